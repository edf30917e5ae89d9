"""Zero-shot and few-shot classification with synthetic data on Fashion-MNIST, measured on this machine (`make bench-zeroshot`, ~15 min
once the fmnist-cpu study's external DDPM exists; it is trained first otherwise):
1. Mousterian zero-shot: 100 real images of each seen class (even labels), synthetic images of the unseen classes (odd labels) from the
   external DDPM (trained on 600 images per class of the pool no classifier sees) at Table 6's ratios n_syn / n_real = 0, 0.1, 0.5, 1, 10;
   joint-embedding model (frozen MiniLM text encoder, small CNN from scratch), top-1 on the unseen classes' real test images, 3 seeds;
2. He et al. classifier tuning on the joint model trained without synthetic images (the encoder), all 10 classes: its zero-shot accuracy,
   zero-shot CT on synthetic images (CE, soft CE), few-shot with M = 1, 2, 4, 8, 16 real shots per class, real only, mixed with the synthetic
   images, and phase-wise (synthetic then real), 3 seeds.
Writes bench/results/zeroshot.json and zeroshot.png."""
import argparse, time
import numpy as np, pandas as pd, torch
torch.set_num_threads(2)
import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
from mousterian.core import save_json, run_meta
from mousterian.study import Study
from mousterian.store import SynStore
from mousterian.gen.ddpm import generate
from mousterian.zeroshot import seen_unseen, zeroshot_run, ct_run, ImageTower
from mousterian.data import FASHION_MNIST_CLASSES
from bench import ROOT, RESULTS, save_result


def main(ratios, seeds, n_real, shots, n_syn_ct):
    st = Study('fmnist-cpu', ROOT / 'study' / 'fmnist-cpu')
    runs, notes, gp = st.plan()
    st.train({'external': gp['external']}); st.generate({'external': gp['external']}); st.filter({'external': gp['external']})
    seen, unseen = seen_unseen('fashion-mnist', 10)
    per = int(np.ceil(max(ratios) * n_real * len(seen) / len(unseen)))
    store = ROOT / 'bench' / 'out' / 'zeroshot-unseen'
    s = st.p['sampling']
    generate(st.gen_dir('external'), store, labels=np.tile(unseen, per), sampler=s['sampler'], steps=s['steps'], guidance=s['guidance'], bs=s.get('bs', 128))
    t0 = time.perf_counter(); zs, enc = [], None
    for r in ratios:
        for seed in seeds:
            row, model = zeroshot_run(n_real, r, seed, store=str(store), return_model=True)
            if r == 0 and seed == seeds[0]: enc = model
            zs.append({k: v for k, v in row.items() if k != 'per_class'})
            print(f"  zero-shot r_syn {r:g}, seed {seed}: unseen top-1 {row['top1_unseen']:.1%} ({row['n_real']} real, {row['n_syn']} synthetic, {row['wall_time']:.0f} s)", flush=True)
    z = pd.DataFrame(zs).groupby('r_syn')['top1_unseen'].agg(['mean', 'std'])
    print(z.mul(100).round(2).to_string())
    # classifier tuning on the joint model trained without synthetic images
    tower, temb = ImageTower(enc.eval()), enc.class_embeddings().detach()
    ext = str(st.store_dir('external'))
    cfgs = [dict(shots=0, n_syn_per_class=n_syn_ct, loss='ce'), dict(shots=0, n_syn_per_class=n_syn_ct, loss='soft', T=2.0)]
    for m in shots:
        cfgs += [dict(shots=m, n_syn_per_class=0), dict(shots=m, n_syn_per_class=n_syn_ct, schedule='mix'), dict(shots=m, n_syn_per_class=n_syn_ct, schedule='syn_then_real')]
    ct = [dict(ct_run(tower, temb, seed=seed, store=ext, keep='cls_keep'), config='zero-shot baseline') for seed in seeds[:1]]
    print(f"  CT encoder's own zero-shot top-1 (10 classes): {ct[0]['top1']:.1%}", flush=True)
    for c in cfgs:
        for seed in seeds:
            r = ct_run(tower, temb, seed=seed, store=ext, keep='cls_keep', **c); ct.append(r)
        m = np.mean([x['top1'] for x in ct[-len(seeds):]])
        print(f"  CT {c}: top-1 {m:.1%}", flush=True)
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.6))
    xs = np.array(z.index); xp = np.where(xs == 0, 0.02, xs)
    axs[0].errorbar(xp, 100 * z['mean'], yerr=100 * z['std'], marker='o', capsize=3)
    axs[0].set_xscale('log'); axs[0].set_xlabel('n_syn / n_real (0 shown at 0.02)'); axs[0].set_ylabel('top-1 on unseen classes (%)')
    axs[0].axhline(100 / len(unseen), ls=':', c='gray', label='chance'); axs[0].legend(fontsize=7); axs[0].grid(alpha=.3)
    axs[0].set_title(f'Mousterian zero-shot, Fashion-MNIST ({n_real} real per seen class)', fontsize=9)
    c = pd.DataFrame(ct); c = c[c['shots'] > 0]
    for (nsyn, sch), g in c.groupby(['n_syn_per_class', 'schedule']):
        a = g.groupby('shots')['top1'].agg(['mean', 'std'])
        axs[1].errorbar(a.index, 100 * a['mean'], yerr=100 * a['std'], marker='o', capsize=3, label='real shots only' if nsyn == 0 else f'+{nsyn} synthetic/class, {sch}')
    axs[1].axhline(100 * ct[0]['top1'], ls=':', c='gray', label="encoder's zero-shot")
    zc = pd.DataFrame(ct); zc = zc[(zc['shots'] == 0) & (zc['n_syn_per_class'] > 0)]
    for loss, g in zc.groupby('loss'): axs[1].axhline(100 * g['top1'].mean(), ls='--', c='C3' if loss == 'ce' else 'C4', label=f'zero-shot CT on synthetic ({loss})')
    axs[1].set_xscale('log', base=2); axs[1].set_xlabel('real shots per class'); axs[1].set_ylabel('top-1, 10 classes (%)'); axs[1].legend(fontsize=6); axs[1].grid(alpha=.3)
    axs[1].set_title('Classifier tuning on the joint model', fontsize=9)
    plt.tight_layout(); fig.savefig(RESULTS / 'zeroshot.png', dpi=90)
    save_result(dict(zeroshot=zs, ct=ct, seen=[FASHION_MNIST_CLASSES[i] for i in seen], unseen=[FASHION_MNIST_CLASSES[i] for i in unseen], seconds=time.perf_counter() - t0,
                   meta=run_meta(dict(ratios=ratios, seeds=seeds, n_real=n_real, shots=shots, n_syn_ct=n_syn_ct))), 'zeroshot.json')

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--ratios', type=float, nargs='+', default=[0, 0.1, 0.5, 1, 10])
    a.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    a.add_argument('--n-real', type=int, default=100)
    a.add_argument('--shots', type=int, nargs='+', default=[1, 2, 4, 8, 16])
    a.add_argument('--n-syn-ct', type=int, default=100)
    o = a.parse_args(); main(o.ratios, o.seeds, o.n_real, o.shots, o.n_syn_ct)
