"""The generator's quality against its minutes (`make bench-generator`, about 45 minutes on 2 AVX-512 cores): the internal generator of the
study's Q1 regime (a class-conditional DDPM trained on 500 Fashion-MNIST images per class) along one training trajectory per family, each
kept at several training steps (rungs, `train_ddpm(snapshots=...)`: no retraining), each rung sampled with several samplers and step counts.
The families: the study's DDPM (`fmnist-cpu-v`: v-prediction, min-SNR-5) and the project's EDM model (the same network, Karras et al.'s
preconditioning), at matched training steps (their minutes are printed: the paper's Table 1 sets a vanilla DDPM beside EDM). Today's
generator (250 steps, its cosine decayed within them, sampled ddpm 5 steps) is measured beside them.

For every (rung, sampler) on `--n-eval` images: class fidelity under the study's reference classifier, the Fréchet distance to the real
test images in its features, and precision, recall, density and coverage (`prdc`, against as many real test images); and the minutes
the study would pay for that generator's store: its training steps, 6,250 images and the filter (its seconds a store in the published
fmnist-cpu study). The rates are probed apart, one at a time at the end (seconds a training step from 10 against 70 steps of a fresh
model, images a second over 320 images of each sampler), so that a trajectory trained beside other work prices as on an idle host; the
trajectory's own wall seconds are kept beside them. bfloat16 is measured only where the CPU computes it natively (AMX or
AVX512-BF16; else the row says why not). The Pareto frontier (no rung both better and cheaper) is printed, plotted and written with the
host's calibration to bench/results/generator.json and generator.png. Target (#55): class fidelity >= 0.90 and a Fréchet distance at most
half of today's within 15 minutes. Trajectories and evaluations are kept in runs/generator/ (an interrupted bench resumes)."""
import argparse, time
import numpy as np, torch
from pathlib import Path
from mousterian.core import save_json, load_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.data import Splits, TensorImages
from mousterian.train import bf16_supported
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, load_ddpm, sample, snapshot_dir
from mousterian.metrics import real_reference, class_fidelity, features, feature_stats, frechet_distance, manifold_row
from bench import ROOT, RESULTS

OUT, RUNS = RESULTS / 'generator.json', ROOT / 'runs' / 'generator'
STORE_IMAGES = 6250  # Q1's store: 5,000 images kept after the filter drops a fifth
FAMILIES = {  # name -> (network preset, its overrides, training settings beyond the study's, samplers (name, steps) to measure)
    'ddpm-v': ('fmnist-cpu-v', {}, dict(snr_gamma=5.0), [('ddpm', 5), ('ddpm', 10), ('dpm++', 10)]),
    'edm': ('fmnist-cpu', dict(prediction='edm'), {}, [('euler', 10), ('dpm++', 10)]),
}
TODAY = dict(family='ddpm-v', steps=250, sampler=('ddpm', 5))  # the embedded study's generator, trained to 250 steps alone

def base_set(seed:int=0):
    "The Q1 regime's training images: 500 per class of Fashion-MNIST's training split (the study's first base draw's size)."
    sp = Splits('fashion-mnist', 500, 0, 0, seed=seed)
    return sp.load()['base'].to_tensors(), dict(splits=sp.to_dict(), pool='base')

def trajectory(family, steps, rungs, data, desc, amp=False):
    "Train (or resume) one family's trajectory to `steps`, keeping the rungs; its folder."
    preset, over, extra, _ = FAMILIES[family]
    d = RUNS / f"{family}-{steps}{'-bf16' if amp else ''}"
    hp = TrainHP(**{**dict(steps=steps, bs=64, lr=2e-3, warmup=100, ema_decay=0.995), **extra, 'amp': amp})
    train_ddpm(data, d, ddpm_config(preset, data, **over), hp, data_desc=desc, snapshots=[r for r in rungs if r <= steps])
    return d

def measure(folder, sampler, steps, ref, n_eval, filter_s, guidance=2.0, bs=32):
    "Sample `n_eval` images of one rung with one sampler and measure them (memoized beside the rung): a result row."
    memo = folder / f'eval-{sampler}-{steps}-{n_eval}.json'
    if memo.exists(): return load_json(memo)
    unet, cfg, info = load_ddpm(folder)
    labels, seeds = np.tile(np.arange(10), n_eval // 10), np.arange(n_eval) + 10_000
    t = time.perf_counter()
    x = sample(unet, cfg, labels, seeds, sampler=sampler, steps=steps, guidance=guidance, bs=bs, desc=f'{folder.name} {sampler} {steps}')
    dt = time.perf_counter() - t
    imgs = TensorImages(x, labels, info['classes'])
    f = features(ref['encoder'], imgs)
    row = dict(train_steps=info['steps_done'], train_seconds=info['train_seconds'], sampler=sampler, sampling_steps=steps, guidance=guidance,
               n_eval=n_eval, fidelity=class_fidelity(ref['classifier'], imgs)['fidelity'],
               frechet=float(frechet_distance(*feature_stats(f), *ref['stats'])),
               **manifold_row(ref['real_features'][np.random.default_rng(0).choice(len(ref['real_features']), n_eval, replace=False)], f), images_per_s=n_eval / dt)
    save_json(row, memo); return row

def probe(family, data, desc, amp=False, samplers=(), n=320, bs=32):
    "Idle rates of one family: seconds a training step (10 against 70 steps of a fresh model) and images a second of each sampler."
    import tempfile, shutil
    preset, over, extra, _ = FAMILIES[family]
    tmp = Path(tempfile.mkdtemp()); t = {}
    try:
        for k in (10, 70):
            hp = TrainHP(**{**dict(steps=k, bs=64, lr=2e-3, warmup=100, ema_decay=0.995), **extra, 'amp': amp})
            train_ddpm(data, tmp / str(k), ddpm_config(preset, data, **over), hp, data_desc=desc)
            t[k] = load_json(tmp / str(k) / 'train.json')['train_seconds']
        unet, cfg, info = load_ddpm(tmp / '70'); labels, seeds = np.tile(np.arange(10), n // 10), np.arange(n)
        rate = {}
        for smp, steps in samplers:
            t0 = time.perf_counter(); sample(unet, cfg, labels, seeds, sampler=smp, steps=steps, guidance=2.0, bs=bs); rate[f'{smp} {steps}'] = n / (time.perf_counter() - t0)
    finally: shutil.rmtree(tmp, ignore_errors=True)
    return dict(s_per_step=(t[70] - t[10]) / 60, images_per_s=rate)

def price(row, rates, filter_s):
    "A store's minutes at the probed rates: training to the rung's step, 6,250 images, the filter."
    r = rates[(row['family'] if row['family'] != 'today' else 'ddpm-v', row['dtype'])]
    return (row['train_steps'] * r['s_per_step'] + STORE_IMAGES / r['images_per_s'][f"{row['sampler']} {row['sampling_steps']}"] + filter_s) / 60

def filter_seconds() -> float:
    "The filter's seconds a store in the published fmnist-cpu study (its first invocation: the one that filtered)."
    d = RESULTS / 'study-fmnist-cpu'
    t = load_json(d / 'timings.json')[0]['steps']['filter']
    return t / len([p for p in d.glob('generator_*.json')])

def pareto(rows, cost='store_minutes', keys=('fidelity', '-frechet')):
    "The rows no other row beats on every key at no more cost."
    val = lambda r, k: -r[k[1:]] if k.startswith('-') else r[k]
    def beaten(r): return any(o is not r and o[cost] <= r[cost] and all(val(o, k) >= val(r, k) for k in keys)
                              and (o[cost] < r[cost] or any(val(o, k) > val(r, k) for k in keys)) for o in rows)
    return [r for r in rows if not beaten(r)]

def plot(rows, front, today, path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 3, figsize=(14, 4))
    for ax, k, lab in zip(axs, ('fidelity', 'frechet', 'coverage'), ('class fidelity', 'Fréchet distance (classifier features)', 'coverage')):
        for fam, mk in (('ddpm-v', 'o'), ('edm', 's'), ('today', '*'), ('bf16', 'x')):
            rs = [r for r in rows if (r['family'], r['dtype']) == (fam, 'float32') or (fam == 'bf16' and r['dtype'] == 'bfloat16')]
            ax.scatter([r['store_minutes'] for r in rs], [r[k] for r in rs], marker=mk, s=60 if fam == 'today' else 25, label=fam, alpha=0.8)
        fr = sorted(front, key=lambda r: r['store_minutes'])
        ax.plot([r['store_minutes'] for r in fr], [r[k] for r in fr], 'k--', lw=0.8, label='Pareto frontier (fidelity, Fréchet)')
        ax.axvline(15, color='grey', lw=0.6)
        if k == 'fidelity': ax.axhline(0.90, color='grey', lw=0.6)
        if k == 'frechet': ax.axhline(today['frechet'] / 2, color='grey', lw=0.6)
        ax.set_xlabel("minutes for a Q1 store (train + 6,250 images + filter)"); ax.set_ylabel(lab)
    axs[0].legend(fontsize=7); fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--steps', type=int, default=2000, help="the DDPM trajectory's training steps")
    a.add_argument('--edm-steps', type=int, default=1000, help="the EDM trajectory's (matched to the DDPM's rungs up to it)")
    a.add_argument('--rungs', type=int, nargs='+', default=[250, 500, 1000, 2000])
    a.add_argument('--bf16-steps', type=int, default=250, help="the DDPM trained in bfloat16 (where native) to set beside today's float32 one of the same schedule, sampled ddpm 5")
    a.add_argument('--n-eval', type=int, default=500)
    o = a.parse_args()
    if o.n_eval < 200 or o.n_eval % 10: a.error("--n-eval must be a multiple of 10 and >= 200 (the Fréchet distance's 96 features need more images)")
    if bad := [r for r in o.rungs if not 1 <= r <= max(o.steps, o.edm_steps)]: a.error(f"--rungs {bad} lie outside the trajectories")
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    meta = run_meta(dict(bench='generator', steps=o.steps, edm_steps=o.edm_steps, rungs=o.rungs, n_eval=o.n_eval))  # the checkout as it ran, before this writes
    ref = real_reference('fashion-mnist', n_images=10_000)
    print(f"reference classifier: test top-1 {ref['info']['test_top1']:.2%}; real-vs-real Fréchet {ref['fd_real']:.2f}", flush=True)
    data, desc = base_set(); filt = filter_seconds()
    bf16 = bf16_supported('cpu'); cpu = torch.backends.cpu.get_cpu_capability()
    rows = []
    def add(r, family, precision):  # precision: the training's
        r = dict(family=family, dtype=precision, **r); rows.append(r)
        print(f"{family:7s} {precision:8s} {r['train_steps']:5d} steps ({r['train_seconds'] / 60:5.1f} min wall) {r['sampler']:6s} {r['sampling_steps']:2d}: "
              f"fidelity {r['fidelity']:.3f}, Fréchet {r['frechet']:.2f}, coverage {r['coverage']:.3f}, density {r['density']:.3f}", flush=True)
    # today's generator: its own cosine schedule within 250 steps
    d = trajectory(TODAY['family'], TODAY['steps'], [], data, desc)
    add(measure(d, *TODAY['sampler'], ref, o.n_eval, filt), 'today', 'float32')
    for fam, total in (('ddpm-v', o.steps), ('edm', o.edm_steps)):
        d = trajectory(fam, total, o.rungs, data, desc)
        for r in [r for r in o.rungs if r <= total]:
            for smp, n in FAMILIES[fam][3]: add(measure(snapshot_dir(d, r), smp, n, ref, o.n_eval, filt), fam, 'float32')
    if bf16:  # the training precision: the same trajectory in bfloat16 mixed precision, sampled in float32 as the study samples
        d = trajectory('ddpm-v', o.bf16_steps, [o.bf16_steps], data, desc, amp=True)
        add(measure(snapshot_dir(d, o.bf16_steps), 'ddpm', 5, ref, o.n_eval, filt), 'ddpm-v', 'bfloat16')
    print("probing the rates, one at a time (the trajectories may have trained beside other work)", flush=True)
    rates = {(fam, 'float32'): probe(fam, data, desc, samplers=FAMILIES[fam][3] + ([TODAY['sampler']] if fam == 'ddpm-v' else [])) for fam in FAMILIES}
    if bf16: rates[('ddpm-v', 'bfloat16')] = probe('ddpm-v', data, desc, amp=True, samplers=[('ddpm', 5)])
    for (fam, dt), r in rates.items():
        print(f"  {fam} {dt}: {r['s_per_step']:.3f} s a training step; " + ', '.join(f"{k} {v:.1f} images/s" for k, v in r['images_per_s'].items()), flush=True)
    for r in rows: r['store_minutes'] = price(r, rates, filt)
    today = rows[0]
    front = pareto(rows)
    amp = None
    if bf16 and o.bf16_steps == TODAY['steps']:  # the same schedule, seed and sampler as today's float32 generator
        b = next(r for r in rows if r['dtype'] == 'bfloat16')
        amp = dict(fidelity_points=100 * (b['fidelity'] - today['fidelity']), frechet_ratio=b['frechet'] / today['frechet'],
                   step_time_ratio=rates[('ddpm-v', 'bfloat16')]['s_per_step'] / rates[('ddpm-v', 'float32')]['s_per_step'])
        print(f"bfloat16 training against float32 (today's schedule, seed and sampler): fidelity {amp['fidelity_points']:+.1f} points, Fréchet x{amp['frechet_ratio']:.2f}, "
              f"a training step x{amp['step_time_ratio']:.2f} the time (one training each: a single pair, not an interval)")
    print("\nPareto frontier (class fidelity and Fréchet distance against a store's minutes):")
    for r in sorted(front, key=lambda r: r['store_minutes']):
        print(f"  {r['store_minutes']:5.1f} min  {r['family']:7s} {r['train_steps']:5d} steps, {r['sampler']} {r['sampling_steps']}: "
              f"fidelity {r['fidelity']:.3f}, Fréchet {r['frechet']:.2f}, coverage {r['coverage']:.3f}")
    hit = [r for r in rows if r['fidelity'] >= 0.90 and r['frechet'] <= today['frechet'] / 2 and r['store_minutes'] <= 15]
    best = min(hit, key=lambda r: r['store_minutes']) if hit else None
    print(f"\ntoday: fidelity {today['fidelity']:.3f}, Fréchet {today['frechet']:.2f}, {today['store_minutes']:.1f} min. Target (fidelity >= 0.90, "
          f"Fréchet <= {today['frechet'] / 2:.2f}, <= 15 min): " + (f"met by {best['family']} {best['train_steps']} steps, {best['sampler']} "
          f"{best['sampling_steps']} ({best['store_minutes']:.1f} min)" if best else "not met by any rung measured"), flush=True)
    plot(rows, front, today, RESULTS / 'generator.png')
    save_json(dict(calibration=cal, cpu_capability=cpu, bf16=dict(native=bf16, measured=bf16, why=None if bf16 else
                   f"this CPU ({cpu}) has neither AMX nor AVX512-BF16: bfloat16 would be emulated, so it was not measured"),
                   reference_test_top1=ref['info']['test_top1'], fd_real_vs_real=ref['fd_real'], filter_seconds_a_store=filt,
                   rates={f'{f} {d}': r for (f, d), r in rates.items()},
                   rows=rows, frontier=front, today=today, target_met_by=best, bf16_against_float32=amp,
                   meta=meta), OUT)
    print(f"wrote {OUT} and {RESULTS / 'generator.png'}")
