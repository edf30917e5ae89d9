"""Filters and distances on generated Fashion-MNIST (`make bench-filter`, about 5 minutes after bench_ddpm.py --n 600):
1,000 images (100 per class) from the internal DDPM trained on 600 real images per class are scored by
- the classifier filter: a classifier trained on the same 600 real images per class (not the judge);
- real filtering: nearest real neighbours (the same 6,000 base images) in that classifier's features;
each dropping the bottom 20% per class. The judge is the reference classifier trained on the full
training split: class fidelity of all images against the kept ones. Also: the Fréchet distance in the
reference classifier's features (not FID: no Inception weights here) and the real-vs-synthetic domain
classifier's held-out accuracy, on whole images and on 14x14 patches. Writes bench/results/filter_fmnist.json."""
import numpy as np, torch
torch.set_num_threads(2)
from mousterian.core import save_json, run_meta
from mousterian.data import Splits, TensorImages
from mousterian.mix import MixSpec
from mousterian.learn import train_model, get_recipe
from mousterian.gen.ddpm import generate
from mousterian.filter import classifier_filter, real_filter, combine
from mousterian.metrics import reference_classifier, class_fidelity, classifier_features, fid, domain_classifier
from bench import ROOT, save_result

if __name__ == '__main__':
    model_dir = ROOT / 'runs' / 'ddpm-fmnist-600'
    st = generate(model_dir, ROOT / 'runs' / 'filter-store-600', per_class=100, sampler='ddpm', steps=20, guidance=2.0, seed=0)
    ims = st.images().to_tensors()
    ref, rinfo = reference_classifier('fashion-mnist')
    base = Splits('fashion-mnist', 600, seed=0).load()['base'].to_tensors()
    own, _, _ = train_model(MixSpec(6000), 'cpu', seed=0)
    kc = classifier_filter(st, own, q=0.2)
    kr = real_filter(st, base, classifier_features(own), k=10, q=0.2)
    kb = combine(st, ['cls', 'rf'])
    fid_all = lambda keep: class_fidelity(ref, TensorImages(ims.x[keep], ims.y[keep], ims.classes))['fidelity']
    allk = np.ones(len(ims), bool)
    res = dict(n=len(ims), reference_test_top1=rinfo['test_top1'], fidelity_all=fid_all(allk), fidelity_classifier_filter=fid_all(kc),
               fidelity_real_filter=fid_all(kr), fidelity_both=fid_all(kb), kept=dict(classifier=int(kc.sum()), real=int(kr.sum()), both=int(kb.sum())))
    test = Splits('fashion-mnist', 0, n_test_per_class=300, seed=0).load()['test'].to_tensors()
    enc = classifier_features(ref)
    res['frechet_reference_features'] = dict(synthetic=fid(ims, test, 'fashion-mnist/test/300pc', enc, encoder_id='ref-fmnist-cpu-seed0'),
                                             real_base=fid(base.subset(np.arange(0, 6000, 6)), test, 'fashion-mnist/test/300pc', enc, encoder_id='ref-fmnist-cpu-seed0'))
    res['domain_classifier'] = dict(whole=domain_classifier(base, ims, n=1000)['accuracy'], patch14=domain_classifier(base, ims, n=1000, patch=14)['accuracy'])
    for k, v in res.items(): print(f"{k}: {v}")
    save_result(dict(**res, meta=run_meta()), 'filter_fmnist.json')
