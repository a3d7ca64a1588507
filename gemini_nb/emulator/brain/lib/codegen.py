"""Code blocks for "write a function that ..." requests: a few known tasks, else a named skeleton.

A model asked for code answers with a fenced block in the requested language and a line of
explanation. The emulator knows a handful of classic tasks (reverse a string, factorial,
fibonacci, primes, palindromes, sorting, word counts, temperature conversion) in Python and
JavaScript; anything else gets a clearly marked skeleton named after the task.
"""

from __future__ import annotations

import re

KNOWN = {
    "reverse": (
        "reverse_string",
        "text: str",
        "str",
        "return text[::-1]",
        "function reverseString(text) {\n  return [...text].reverse().join('');\n}",
    ),
    "factorial": (
        "factorial",
        "n: int",
        "int",
        "result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result",
        "function factorial(n) {\n  let result = 1;\n  for (let i = 2; i <= n; i++) result *= i;\n"
        "  return result;\n}",
    ),
    "fibonacci": (
        "fibonacci",
        "n: int",
        "list[int]",
        "seq = [0, 1]\n    while len(seq) < n:\n        seq.append(seq[-1] + seq[-2])\n    return seq[:n]",
        "function fibonacci(n) {\n  const seq = [0, 1];\n  while (seq.length < n) "
        "seq.push(seq.at(-1) + seq.at(-2));\n  return seq.slice(0, n);\n}",
    ),
    "prime": (
        "is_prime",
        "n: int",
        "bool",
        "if n < 2:\n        return False\n    for d in range(2, int(n ** 0.5) + 1):\n"
        "        if n % d == 0:\n            return False\n    return True",
        "function isPrime(n) {\n  if (n < 2) return false;\n  for (let d = 2; d * d <= n; d++) "
        "if (n % d === 0) return false;\n  return true;\n}",
    ),
    "palindrome": (
        "is_palindrome",
        "text: str",
        "bool",
        "cleaned = ''.join(c.lower() for c in text if c.isalnum())\n    return cleaned == cleaned[::-1]",
        "function isPalindrome(text) {\n"
        "  const s = text.toLowerCase().replace(/[^a-z0-9]/g, '');\n"
        "  return s === [...s].reverse().join('');\n}",
    ),
    "sort": (
        "sort_numbers",
        "values: list[float]",
        "list[float]",
        "return sorted(values)",
        "function sortNumbers(values) {\n  return [...values].sort((a, b) => a - b);\n}",
    ),
    "count words": (
        "count_words",
        "text: str",
        "dict[str, int]",
        "counts: dict[str, int] = {}\n    for word in text.lower().split():\n"
        "        counts[word] = counts.get(word, 0) + 1\n    return counts",
        "function countWords(text) {\n  const counts = {};\n  for (const w of text.toLowerCase()"
        ".split(/\\s+/)) counts[w] = (counts[w] || 0) + 1;\n  return counts;\n}",
    ),
    "celsius": (
        "celsius_to_fahrenheit",
        "celsius: float",
        "float",
        "return celsius * 9 / 5 + 32",
        "function celsiusToFahrenheit(c) {\n  return c * 9 / 5 + 32;\n}",
    ),
}


def _task(prompt: str) -> str:
    m = re.search(r"\b(?:that|which|to)\s+(.+?)(?:[.?!]|$)", prompt, re.I)
    return (m.group(1) if m else prompt).strip()


def code_answer(prompt: str, language: str) -> str:
    """A fenced code block for ``prompt`` in ``language`` with one sentence around it."""
    low = prompt.lower()
    key = next((k for k in KNOWN if k in low), None)
    task = _task(prompt)
    if key is not None:
        name, args, ret, body, js = KNOWN[key]
        if language in ("javascript", "typescript"):
            return (
                f"Here is a {language.capitalize()} function that {task}:\n\n```{language}\n{js}\n```\n\n"
                f"It takes its input as an argument and returns the result without side effects."
            )
        return (
            f"Here is a Python function that {task}:\n\n```python\ndef {name}({args}) -> {ret}:\n"
            f'    """{task[:1].upper() + task[1:]}."""\n    {body}\n```\n\n'
            f"`{name}` is a pure function, so it is easy to test: call it with a few inputs and "
            "compare the results."
        )
    words = [w for w in re.findall(r"[a-z]+", task.lower()) if w not in ("a", "an", "the", "of", "and")][:4]
    name = "_".join(words) or "solve"
    if language == "sql":
        return (
            "Here is a SQL query sketch (the table and column names are placeholders):\n\n```sql\n"
            f"SELECT *\nFROM items\nWHERE description LIKE '%{' '.join(words)}%'\nORDER BY id;\n```"
        )
    if language in ("javascript", "typescript"):
        camel = words[0] + "".join(w.capitalize() for w in words[1:]) if words else "solve"
        return (
            f"This emulator only knows a few classic tasks, so here is a skeleton to fill in:\n\n"
            f"```{language}\nfunction {camel}(input) {{\n  // TODO: {task}\n  return input;\n}}\n```"
        )
    return (
        f"This emulator only knows a few classic tasks, so here is a skeleton to fill in:\n\n"
        f"```{language if language != 'python' else 'python'}\ndef {name}(data):\n"
        f'    """{task[:1].upper() + task[1:]}."""\n    raise NotImplementedError("{task}")\n```'
    )
