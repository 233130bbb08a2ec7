"""What is insured: the question sets of every line, checked field by field and across fields.

Inner to everything else (manuals and rating read the risk JSON these models produce); the web
form, the API, the command line and the library all check a risk here first.
"""
