# moderate corruption (FineTec protocol), missing frames linearly interpolated.
corruption = dict(level='moderate', fill='linear')
