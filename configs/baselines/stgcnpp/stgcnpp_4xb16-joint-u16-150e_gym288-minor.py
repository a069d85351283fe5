_base_ = ['./stgcnpp_4xb16-joint-u16-150e_gym288-clean.py',
          '../../_base_/corruption/minor.py']
