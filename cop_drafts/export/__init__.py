"""Documents of a published iteration: Markdown, zip, HTML, PDF, DOCX, reports.

Pure: values in (``model.Document``), bytes out; the same input gives the
same bytes on any machine. No Flask, no SQL, no pygit2.
"""
