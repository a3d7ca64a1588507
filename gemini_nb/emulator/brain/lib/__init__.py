"""What the skills share: generators (JSON, images, speech, prose), readers (forms, facts,
attachments, PDF text) and the code sandbox. No module here is a skill."""
