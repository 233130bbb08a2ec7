"""Rate manuals as data: the file format, its validation and its compilation into a rating plan."""
