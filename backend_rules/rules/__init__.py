"""Every module here holds the rules of one family; the registry imports them all."""
