_base_ = ['./stgcn_1xb32-joint-u16-16e_demo-clean.py',
          '../../_base_/corruption/severe_interp.py']
