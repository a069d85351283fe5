# severe corruption (FineTec protocol), missing frames linearly interpolated.
corruption = dict(level='severe', fill='linear')
