"""Word lists behind the rules, as plain Python data so they read like tables.

Entries are written the natural way (with accents); the components fold them
(lowercase, no accents) when they build their matchers, so "déçu" also matches "decu".
"""
