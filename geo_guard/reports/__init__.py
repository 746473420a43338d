"""Every layout the users read: workbooks, forms and documents, under Chinese headers from
one vocabulary (:mod:`geo_guard.vocabulary.headers`).

`classification` lays out classified risk sources; `corridor` the corridor's gaps and
weak stands. Reports sit above the analyses they lay out and never compute geometry.
"""
