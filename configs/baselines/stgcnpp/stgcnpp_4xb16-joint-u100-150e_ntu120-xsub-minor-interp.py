_base_ = ['./stgcnpp_4xb16-joint-u100-150e_ntu120-xsub-clean.py',
          '../../_base_/corruption/minor_interp.py']
