_base_ = ['./aagcn_4xb16-joint-u100-150e_ntu60-xsub-clean.py',
          '../../_base_/corruption/severe.py']
