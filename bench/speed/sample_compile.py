"""Is the DDPM's sampling faster under torch.compile? Side by side in one run (`make bench-sample-compile`, about 10 minutes
on 2 AVX-512 cores): the study's network (`fmnist-cpu-v`, randomly initialised, or the trained DDPM folder --model names) sampled
eager and compiled (`Sampling.compile`: inductor's kernels, compiled once for a store), 480 images each way at batch 32, by
dpm++ 10 (the ladder's rungs) and ddpm 5 (the embedded study's), interleaved over 3 rounds; the median seconds an image, their
ratio, the warm-up a store pays on its first batch (each sampler's first compilation in a fresh inductor cache, and a second
network's in the cache the first filled), and how the images differ (the share of pixels that differ from the eager ones, and by how much). A store of 6,250
images is priced both ways from these. Writes bench/results/sample_compile.json."""
import argparse, os, statistics, tempfile, time
from pathlib import Path
import numpy as np, torch
torch.set_num_threads(2)
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.gen.ddpm.training import DDPM_PRESETS
from mousterian.gen.ddpm.sampling import sample, load_ddpm
from bench import save_result

N, BS, STORE, SAMPLINGS = 480, 32, 6250, (('dpm++', 10), ('ddpm', 5))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', type=Path, help="a trained DDPM folder (its EMA network; default: fmnist-cpu-v randomly initialised)")
    a = ap.parse_args()
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    def net():
        if a.model: return load_ddpm(a.model)[:2]
        torch.manual_seed(0); cfg = DDPM_PRESETS['fmnist-cpu-v']; return cfg.unet(), cfg
    unet, cfg = net()
    labels, seeds = np.tile(np.arange(10), N // 10), np.arange(N)
    rows = []
    for sampler, steps in SAMPLINGS:
        run = lambda u, n=N: sample(u, cfg, labels[:n], seeds[:n], sampler, steps, 2.0, bs=BS, device='cpu')
        os.environ['TORCHINDUCTOR_CACHE_DIR'] = tempfile.mkdtemp(prefix='inductor-'); torch._dynamo.reset()  # each sampler's first compilation a cold one
        warm = []
        for _ in range(2):  # a store loads its network anew: the second compiles in the cache the first filled
            uc = net()[0]; uc.forward = torch.compile(uc.forward)
            t = time.perf_counter(); run(uc, BS); warm.append(time.perf_counter() - t)
        ref, times = run(unet), {'eager': [], 'compiled': []}
        for _ in range(3):
            for k, u in (('eager', unet), ('compiled', uc)):
                t = time.perf_counter(); x = run(u); times[k].append(time.perf_counter() - t)
        d = (x.int() - ref.int()).abs()
        e, c = (statistics.median(times[k]) / N for k in ('eager', 'compiled'))
        warmup = [w - c * BS for w in warm]  # the first batch's time beyond a compiled batch's
        r = dict(sampler=sampler, steps=steps, ms_per_image_eager=round(1000 * e, 2), ms_per_image_compiled=round(1000 * c, 2),
                 speed_ratio=round(e / c, 3), warmup_s_cold=round(warmup[0], 1), warmup_s_warm=round(warmup[1], 1),
                 pixels_differ=float((d > 0).float().mean()), max_diff=int(d.max()),
                 store_min_eager=round(STORE * e / 60, 2), store_min_compiled=round((STORE * c + warmup[1]) / 60, 2))
        rows.append(r)
        print(f"{sampler} {steps}: eager {r['ms_per_image_eager']:.1f} ms an image, compiled {r['ms_per_image_compiled']:.1f} "
              f"(x{r['speed_ratio']:.2f} the speed) after a warm-up of {r['warmup_s_cold']:.0f} s (cold cache) or "
              f"{r['warmup_s_warm']:.0f} s (warm); {r['pixels_differ']:.4%} of pixels differ (at most by {r['max_diff']}); a store of "
              f"{STORE:,} images {r['store_min_eager']:.1f} -> {r['store_min_compiled']:.1f} min", flush=True)
    save_result(dict(calibration=cal, cpu_capability=torch.backends.cpu.get_cpu_capability(), n_images=N, bs=BS, rounds=3,
                     guidance=2.0, network=str(a.model) if a.model else 'fmnist-cpu-v, randomly initialised', rows=rows,
                     meta=run_meta()), 'sample_compile.json')
