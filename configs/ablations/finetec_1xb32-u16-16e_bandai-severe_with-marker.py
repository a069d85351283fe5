# The defaults plus the 0/1 observed channel.
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(
    completion=dict(observed_marker=True))
