"""The two pieces of front-end code the chat panel needs, as anywidget ESM modules.

Why anywidget and not a JupyterLab extension: an anywidget is an ipywidget whose JavaScript is
a string shipped by the Python package, so it runs unchanged in JupyterLab 4, Notebook 7, VS
Code and Colab, and ``pip install gemini_nb`` is all a user installs (no labextension build, no
CDN: the network may be closed, so nothing here fetches anything).

* :class:`ChatInput`: a textarea where Enter sends (a custom message ``{"type": "submit"}``
  to Python) and Shift+Enter is a new line; ``value`` is synced, so a Send button can read it.
* :class:`StreamView`: the streamed answer. Python sends only the *new* text
  (``{"type": "delta", "text": ..., "thought": ...}``); the browser keeps the whole and renders
  it as markdown with a tiny built-in renderer, at most once per animation frame. So a stream
  costs O(answer) on the wire, and the message rate is the sender's (throttled) rate.

Importing this module imports ``anywidget`` (and ipywidgets): only the widgets do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

MARKDOWN_JS = r"""
function esc(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
function inline(s) {
  const codes = [];
  s = s.replace(/`([^`]+)`/g, (_, c) => { codes.push(c); return "\u0000" + (codes.length - 1) + "\u0000"; });
  s = esc(s);
  s = s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
  s = s.replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g,
                '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => "<code>" + esc(codes[+i]) + "</code>");
}
export function markdown(src) {
  const out = [];
  const lines = src.split("\n");
  let para = [], list = null, code = null;
  const flush = () => {
    if (para.length) { out.push("<p>" + inline(para.join(" ")) + "</p>"); para = []; }
    if (list) { out.push("<" + list.tag + ">" + list.items.map(i => "<li>" + inline(i) + "</li>").join("")
                         + "</" + list.tag + ">"); list = null; }
  };
  for (const line of lines) {
    if (code !== null) {
      if (/^\s*```/.test(line)) {
        out.push("<pre><code>" + esc(code.join("\n")) + "</code></pre>");
        code = null;
      }
      else code.push(line);
      continue;
    }
    let m;
    if (/^\s*```/.test(line)) { flush(); code = []; }
    else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) { flush(); const n = m[1].length;
      out.push("<h" + n + ">" + inline(m[2]) + "</h" + n + ">"); }
    else if ((m = /^\s*[-*+]\s+(.*)$/.exec(line))) { if (para.length || (list && list.tag !== "ul")) flush();
      list = list || {tag: "ul", items: []}; list.items.push(m[1]); }
    else if ((m = /^\s*\d+[.)]\s+(.*)$/.exec(line))) {
      if (para.length || (list && list.tag !== "ol")) flush();
      list = list || {tag: "ol", items: []}; list.items.push(m[1]); }
    else if (!line.trim()) flush();
    else { if (list) flush(); para.push(line.trim()); }
  }
  if (code !== null) out.push("<pre><code>" + esc(code.join("\n")) + "</code></pre>");
  flush();
  return out.join("\n");
}
"""

STREAM_ESM = (
    MARKDOWN_JS
    + r"""
function render({ model, el }) {
  let text = "", thought = "", status = "", pending = false;
  const box = document.createElement("div");
  box.className = "gnb-stream";
  const details = document.createElement("details");
  details.open = true;
  const summary = document.createElement("summary");
  summary.textContent = "Thoughts";
  const thoughtBody = document.createElement("div");
  thoughtBody.className = "gnb-thought";
  details.append(summary, thoughtBody);
  const body = document.createElement("div");
  body.className = "gnb-stream-body";
  const foot = document.createElement("div");
  foot.className = "gnb-stream-status";
  box.append(details, body, foot);
  el.appendChild(box);
  const paint = () => {
    pending = false;
    details.style.display = thought ? "" : "none";
    thoughtBody.textContent = thought;
    body.innerHTML = text ? markdown(text) + '<span class="gnb-cursor">\u258c</span>' : "";
    foot.textContent = status;
    box.style.display = (text || thought || status) ? "" : "none";
  };
  model.on("msg:custom", (msg) => {
    if (msg.type === "delta") { text += msg.text || ""; thought += msg.thought || ""; }
    else if (msg.type === "clear") { text = ""; thought = ""; status = ""; }
    else if (msg.type === "status") { status = msg.text || ""; }
    if (!pending) { pending = true; requestAnimationFrame(paint); }
  });
  paint();
}
export default { render };
"""
)

STREAM_CSS = """
.gnb-stream { border-left: 3px solid #8ab4f8; padding: 2px 8px; margin: 4px 0; }
.gnb-thought { color: #666; font-size: 90%; white-space: pre-wrap; }
.gnb-stream-status { color: #888; font-size: 85%; }
.gnb-cursor { color: #8ab4f8; }
"""

INPUT_ESM = r"""
function render({ model, el }) {
  const ta = document.createElement("textarea");
  ta.className = "gnb-chat-input";
  ta.rows = 3;
  ta.placeholder = model.get("placeholder");
  ta.value = model.get("value");
  ta.disabled = model.get("disabled");
  ta.setAttribute("data-lm-suppress-shortcuts", "true");
  ta.addEventListener("input", () => { model.set("value", ta.value); model.save_changes(); });
  ta.addEventListener("keydown", (e) => {
    e.stopPropagation();  // the notebook's own shortcuts (Shift+Enter runs a cell) stay out
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    const value = ta.value;
    if (!value.trim() || model.get("disabled")) return;
    model.send({ type: "submit", text: value });
    ta.value = "";
    model.set("value", "");
    model.save_changes();
  });
  model.on("change:value", () => { if (ta.value !== model.get("value")) ta.value = model.get("value"); });
  model.on("change:disabled", () => { ta.disabled = model.get("disabled"); });
  el.appendChild(ta);
}
export default { render };
"""

INPUT_CSS = """
.gnb-chat-input { width: 100%; box-sizing: border-box; font-family: inherit; font-size: 14px;
  padding: 6px; resize: vertical; }
"""


class ChatInput(anywidget.AnyWidget):
    """A textarea: Enter calls ``on_submit(text)`` (in the kernel), Shift+Enter is a new line."""

    _esm = INPUT_ESM
    _css = INPUT_CSS
    value = traitlets.Unicode("").tag(sync=True)
    placeholder = traitlets.Unicode("Ask Gemini… (Enter sends, Shift+Enter: new line)").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, on_submit: Callable[[str], Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.on_submit = on_submit
        self.on_msg(self._received)

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "submit" and self.on_submit is not None:
            self.on_submit(str(content.get("text") or ""))


class StreamView(anywidget.AnyWidget):
    """Shows a streamed answer from deltas; every :meth:`delta`/:meth:`clear`/:meth:`status` is
    exactly one comm message (the throttling is the sender's: :class:`~.live.WidgetLive`)."""

    _esm = STREAM_ESM
    _css = STREAM_CSS

    def delta(self, text: str = "", thought: str = "") -> None:
        self.send({"type": "delta", "text": text, "thought": thought})

    def clear(self) -> None:
        self.send({"type": "clear"})

    def status(self, text: str) -> None:
        self.send({"type": "status", "text": text})
