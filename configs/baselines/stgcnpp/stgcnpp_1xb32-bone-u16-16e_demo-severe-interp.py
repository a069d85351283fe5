_base_ = ['./stgcnpp_1xb32-bone-u16-16e_demo-clean.py',
          '../../_base_/corruption/severe_interp.py']
