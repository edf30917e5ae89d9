"""Is the DDPM's sampling faster under torch.compile, on the path a study takes? Side by side in one run (`make bench-sample-compile`,
about 10 minutes on 2 AVX-512 cores): a trained DDPM folder (--model; default: the study's network `fmnist-cpu-v` randomly
initialised, saved as a DDPM folder) sampled into a store by `generate`, eager and compiled (`Sampling.compile`: inductor's kernels,
compiled once for a store), N images each way at batch 32, by dpm++ 10 (the ladder's rungs) and ddpm 5 (the embedded study's).
Each store is made in a Python process of its own, as a study's step makes it, the two modes alternating over 3 rounds
(the first version of this bench timed both in one process, eager dpm++ 10 at 61.6 ms an image, x1.35 the compiled; in
processes of their own, run idle after fmnist-quality's rerun, eager still took x1.26 the compiled's time: that rerun's
stores, compiled, took 105 min against session 29's eager 103, consistent with its generate step running on a slower host moment (conv
calibration 0.102 s against 0.070-0.082 s)); a store's seconds an image
are read between its first and last batch written (the first batch pays the compilation), and the warm-up as the first batch's
time beyond a steady one: in a fresh inductor cache for each sampler (cold), and in the cache it filled (warm: every later store).
The images of the two modes are compared (the share of pixels that differ, and by how much); a store of 6,250 images is priced
both ways. Writes bench/results/sample_compile.json."""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

N, BS, STORE, ROUNDS, SAMPLINGS = 480, 32, 6250, 3, (('dpm++', 10), ('ddpm', 5))

def child(a):
    "One store made by `generate` in this process; prints its timings as JSON."
    import torch; torch.set_num_threads(2)
    from mousterian.store import SynStore
    from mousterian.gen.ddpm.sampling import generate, Sampling
    stamps, app = [], SynStore.append
    def append(self, *x, **k): r = app(self, *x, **k); stamps.append(time.perf_counter()); return r
    SynStore.append = append  # each batch's end, as the store writes it
    t0 = time.perf_counter()
    generate(a.model, a.store, per_class=N // 10, sampling=Sampling(sampler=a.sampler, steps=a.steps, guidance=2.0, bs=BS, compile=a.mode == 'compiled'))
    per = (stamps[-1] - stamps[0]) / (N - BS)  # the steady seconds an image, past the first batch
    print(json.dumps(dict(s_per_image=per, warmup_s=stamps[0] - t0 - per * BS, total_s=time.perf_counter() - t0)))

def run(model, mode, sampler, steps, store, cache) -> dict:
    env = dict(os.environ, MOUSTERIAN_PROGRESS='0', TORCHINDUCTOR_CACHE_DIR=cache)
    r = subprocess.run([sys.executable, '-m', 'bench.speed.sample_compile', '--child', '--model', str(model), '--mode', mode,
                        '--sampler', sampler, '--steps', str(steps), '--store', str(store)], env=env, capture_output=True, text=True)
    if r.returncode: sys.exit(f"the {mode} store failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', type=Path, help="a trained DDPM folder (its EMA network; default: fmnist-cpu-v randomly initialised)")
    ap.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    for k in ('--mode', '--sampler', '--store'): ap.add_argument(k, help=argparse.SUPPRESS)
    ap.add_argument('--steps', type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: child(a); sys.exit()
    import torch
    from mousterian.core import run_meta
    from mousterian.benchmarks import calibrate
    from mousterian.store import SynStore
    from bench import save_result
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix='bench-compile-'))
    model = a.model
    if model is None:  # the study's network, untrained, as a DDPM folder generate reads
        from mousterian.gen.ddpm import train_ddpm, TrainHP
        from mousterian.data import TensorImages
        x = TensorImages(torch.randint(0, 256, (20, 1, 28, 28), dtype=torch.uint8), torch.arange(20) % 10, [str(i) for i in range(10)])
        model = tmp / 'ddpm'; train_ddpm(x, model, 'fmnist-cpu-v', TrainHP(steps=1, bs=8))
    rows = []
    for sampler, steps in SAMPLINGS:
        cache = tempfile.mkdtemp(prefix='inductor-')  # each sampler's first compilation a cold one
        cold = run(model, 'compiled', sampler, steps, tmp / f'{sampler}-cold', cache)
        times = {'eager': [], 'compiled': []}; warm = []
        for i in range(ROUNDS):
            for mode in ('eager', 'compiled'):
                r = run(model, mode, sampler, steps, tmp / f'{sampler}-{mode}-{i}', cache); times[mode].append(r['s_per_image'])
                if mode == 'compiled': warm.append(r['warmup_s'])
        im = {m: SynStore(tmp / f'{sampler}-{m}-0').images().to_tensors().x.int() for m in ('eager', 'compiled')}
        d = (im['compiled'] - im['eager']).abs()
        e, c = (statistics.median(times[k]) for k in ('eager', 'compiled'))
        r = dict(sampler=sampler, steps=steps, ms_per_image_eager=round(1000 * e, 2), ms_per_image_compiled=round(1000 * c, 2),
                 speed_ratio=round(e / c, 3), rounds_eager_ms=[round(1000 * t, 2) for t in times['eager']],
                 rounds_compiled_ms=[round(1000 * t, 2) for t in times['compiled']],
                 warmup_s_cold=round(cold['warmup_s'], 1), warmup_s_warm=round(statistics.median(warm), 1),
                 pixels_differ=float((d > 0).float().mean()), max_diff=int(d.max()),
                 store_min_eager=round(STORE * e / 60, 2), store_min_compiled=round((STORE * c + statistics.median(warm)) / 60, 2))
        rows.append(r)
        print(f"{sampler} {steps}: eager {r['ms_per_image_eager']:.1f} ms an image, compiled {r['ms_per_image_compiled']:.1f} "
              f"(x{r['speed_ratio']:.2f} the speed; rounds {r['rounds_eager_ms']} against {r['rounds_compiled_ms']}) after a warm-up "
              f"of {r['warmup_s_cold']:.0f} s (cold cache) or {r['warmup_s_warm']:.0f} s (warm); {r['pixels_differ']:.4%} of pixels differ "
              f"(at most by {r['max_diff']}); a store of {STORE:,} images {r['store_min_eager']:.1f} -> {r['store_min_compiled']:.1f} min", flush=True)
    save_result(dict(calibration=cal, cpu_capability=torch.backends.cpu.get_cpu_capability(), n_images=N, bs=BS, rounds=ROUNDS,
                     guidance=2.0, path='generate, a process a store', network=str(a.model) if a.model else 'fmnist-cpu-v, randomly initialised',
                     rows=rows, meta=run_meta()), 'sample_compile.json')
