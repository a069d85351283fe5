# The paper's "w/o ICL" ablation on the demo data: the same network and
# schedule as icl_demo.py, but the prompt stream gets no example (an empty,
# all-missing context) and there is no prompt loss.
_base_ = ['./icl_demo.py']
model = dict(use_prompt=False)
