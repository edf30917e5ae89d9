"""Time and memory of the library's steps on the host at hand."""
