# minor corruption (FineTec protocol), missing frames linearly interpolated.
corruption = dict(level='minor', fill='linear')
