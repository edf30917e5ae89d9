"""The DDPM's width, a lever on the study's generator cost (`make bench-ddpm-width`, about 15 min on 2 AVX-512 cores): training and
sampling compute in proportion to the UNet's convolutions, and the embedded study's generators (`fmnist-cpu-v`: channels 32/64/64,
v-prediction with min-SNR-5, 250 steps) take a third of its time with generation. bench_ddpm_levers screened a narrower UNet (16/32/32)
under the old epsilon recipe only (fidelity 37% against 53%); here the study's own recipe is trained at widths 32/64/64, 24/48/48 and
16/32/32, the same steps, images and seeds, on the external generator's pool (600 real images per class) and on the internal generator's
base set (4 per class), then sampled as the study samples (ddpm, 5 steps, guidance 2). Printed side by side: class fidelity under the
reference classifier and the Fréchet distance to the real test images in its features (500 generated images each), training and
sampling seconds, with the host's calibration and CPU kind. Each trained model is kept in runs/ddpm-width/ (an interrupted bench resumes).
Writes bench/results/ddpm_width.json."""
import argparse, time
import numpy as np
from mousterian.core import save_json, load_json, run_meta, MousterianError
from mousterian.benchmarks import calibrate
from mousterian.data import Splits, TensorImages
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, load_ddpm, sample
from mousterian.metrics import real_reference, class_fidelity, features, feature_stats, frechet_distance
from mousterian.study import study_config
from bench import ROOT, RESULTS

OUT, RUNS = RESULTS / 'ddpm_width.json', ROOT / 'runs' / 'ddpm-width'
WIDTHS = [(32, 64, 64), (24, 48, 48), (16, 32, 32)]

def study_generator(preset):
    "The preset's external generator settings (DDPM preset name, TrainHP fields) and its sampling."
    c = study_config(preset); g = c.generators.get('external')
    if getattr(g, 'kind', None) != 'ddpm': raise MousterianError(f"{preset}'s external generator is {getattr(g, 'kind', 'missing')}, not a DDPM: give a preset whose external arm is one (fmnist-cpu, fmnist-quick).")
    hp = TrainHP.of(g.train_settings()).to_dict()
    return g.preset, hp, c.sampling

def one(pool, n, width, seed, preset, hp, smp, ref, n_eval):
    "Train (or reuse) one DDPM and measure 500 of its images: a result row."
    sp = Splits('fashion-mnist', *((n, 0, 0) if pool == 'base' else (0, 0, n)), seed=0)
    data = sp.load()[pool].to_tensors()
    d = RUNS / f"{pool}{n}-w{'-'.join(map(str, width))}-s{seed}"
    train_ddpm(data, d, ddpm_config(preset, data, block_out_channels=width), TrainHP(**{**hp, 'seed': seed}), data_desc=dict(splits=sp.to_dict(), pool=pool))
    memo = d / 'width_eval.json'
    if memo.exists(): return load_json(memo)
    unet, cfg, info = load_ddpm(d)
    labels, seeds = np.tile(np.arange(10), n_eval // 10), np.arange(n_eval) + 10_000
    t = time.perf_counter(); x = sample(unet, cfg, labels, seeds, sampler=smp.sampler, steps=smp.steps, guidance=smp.guidance, bs=smp.bs); dt = time.perf_counter() - t
    imgs = TensorImages(x, labels, info['classes'])
    fd = frechet_distance(*feature_stats(features(ref['encoder'], imgs)), *ref['stats'])
    row = dict(pool=pool, n_per_class=n, width=list(width), seed=seed, steps=hp['steps'], train_seconds=info['train_seconds'],
               fidelity=class_fidelity(ref['classifier'], imgs)['fidelity'], frechet=float(fd), sample_seconds=dt, n_eval=n_eval)
    save_json(row, memo); return row

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--preset', default='fmnist-cpu')
    a.add_argument('--seeds', type=int, default=2, help='training seeds per width on the external pool (the 4/class base: one)')
    a.add_argument('--n-eval', type=int, default=500)
    o = a.parse_args()
    if o.seeds < 1 or o.n_eval < 200 or o.n_eval % 10: a.error("--seeds >= 1, --n-eval a multiple of 10 and >= 200 (the Fréchet distance's 96 features need more images)")
    try: preset, hp, smp = study_generator(o.preset)  # an unknown preset, or one without an external DDPM, is refused before any work
    except MousterianError as e: a.error(str(e))
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    ref = real_reference('fashion-mnist', n_images=10_000); rinfo = ref['info']  # the study's reference classifier, its features and the whole test set's statistics
    print(f"reference classifier: test top-1 {rinfo['test_top1']:.2%}; the study's DDPM: {preset}, {hp}; sampling {smp.sampler} {smp.steps}, guidance {smp.guidance}", flush=True)
    rows = []
    for pool, n, seeds in (('gen_pool', 600, range(o.seeds)), ('base', 4, range(1))):
        for width in WIDTHS:
            for s in seeds:
                r = one(pool, n, width, s, preset, hp, smp, ref, o.n_eval); rows.append(r)
                print(f"{pool:8s} {n:3d}/class width {'/'.join(map(str, width)):9s} seed {s}: fidelity {r['fidelity']:.1%}, Fréchet {r['frechet']:.2f}; "
                      f"training {r['train_seconds']:.0f} s, sampling {r['n_eval'] / r['sample_seconds']:.1f} images/s", flush=True)
    summary = {}
    for pool in ('gen_pool', 'base'):
        base = [r for r in rows if r['pool'] == pool and tuple(r['width']) == WIDTHS[0]]
        for width in WIDTHS[1:]:
            rs = [r for r in rows if r['pool'] == pool and tuple(r['width']) == width]
            m = lambda rr, k: float(np.mean([r[k] for r in rr]))
            summary[f"{pool} {'/'.join(map(str, width))}"] = s = dict(
                fidelity_points=100 * (m(rs, 'fidelity') - m(base, 'fidelity')), frechet_ratio=m(rs, 'frechet') / m(base, 'frechet'),
                train_time_ratio=m(rs, 'train_seconds') / m(base, 'train_seconds'), sample_time_ratio=m(rs, 'sample_seconds') / m(base, 'sample_seconds'))
            print(f"{pool} width {'/'.join(map(str, width))} against 32/64/64: fidelity {s['fidelity_points']:+.1f} points, Fréchet x{s['frechet_ratio']:.2f}, "
                  f"training time x{s['train_time_ratio']:.2f}, sampling time x{s['sample_time_ratio']:.2f}", flush=True)
    save_json(dict(calibration=cal, reference_test_top1=rinfo['test_top1'], preset=o.preset, ddpm=preset, hp=hp, sampling=vars(smp), rows=rows,
                   summary=summary, meta=run_meta(dict(bench='ddpm_width', preset=o.preset, seeds=o.seeds, n_eval=o.n_eval))), OUT)
    print(f"wrote {OUT}")
