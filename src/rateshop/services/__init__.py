"""Application services: what the API, the web pages and the command line do with the store and
the market, shared by all of them so that endpoints and views stay thin."""
