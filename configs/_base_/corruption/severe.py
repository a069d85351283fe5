# severe corruption (FineTec protocol), missing frames left zero-filled.
corruption = dict(level='severe')
