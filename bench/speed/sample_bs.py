"""How fast does the study's DDPM sample, by batch size? Side by side in one run (`make bench-sample-bs`, about 6 minutes): the
study's network (`fmnist-cpu-v`, randomly initialised: the weights do not change the cost) sampled as fmnist-cpu samples (ddpm, 5
steps, guidance 2: each forward pass carries the batch twice, conditional and unconditional), 640 images at batch 32, 64, 128
(Sampling's default) and 256, interleaved over 3 rounds; the median seconds per image of each and its ratio to batch 128, beside
the host's calibration. Each image is seeded on its own, so the batch changes no image beyond float rounding: the images at every
batch are checked against those at 128 (the share of pixels that differ, and by how much). Writes bench/results/sample_bs.json."""
import argparse, time, statistics
import numpy as np, torch
torch.set_num_threads(2)
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.gen.ddpm.training import DDPM_PRESETS
from mousterian.gen.ddpm.sampling import sample
from bench import save_result

BS, N = (32, 64, 128, 256), 640

if __name__ == '__main__':
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()  # no settings: --help, and a stray argument is refused
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    torch.manual_seed(0); cfg = DDPM_PRESETS['fmnist-cpu-v']; unet = cfg.unet()
    labels, seeds = np.tile(np.arange(10), N // 10), np.arange(N)
    run = lambda b: sample(unet, cfg, labels, seeds, 'ddpm', 5, 2.0, bs=b, device='cpu')
    ref, times, diff = run(128), {b: [] for b in BS}, {}
    for _ in range(3):
        for b in BS:
            t = time.perf_counter(); x = run(b); times[b].append(time.perf_counter() - t)
            d = (x.int() - ref.int()).abs(); diff[b] = dict(pixels_differ=float((d > 0).float().mean()), max_diff=int(d.max()))
    med = {b: statistics.median(v) for b, v in times.items()}
    rows = [dict(bs=b, ms_per_image=round(1000 * med[b] / N, 2), ratio_to_128=round(med[b] / med[128], 2), **diff[b]) for b in BS]
    for r in rows: print(f"batch {r['bs']:>4}: {r['ms_per_image']:.1f} ms an image, x{r['ratio_to_128']:.2f} the time of batch 128; "
                         f"{r['pixels_differ']:.4%} of pixels differ from batch 128's (at most by {r['max_diff']})")
    save_result(dict(calibration=cal, cpu_capability=torch.backends.cpu.get_cpu_capability(), n_images=N, sampler='ddpm', steps=5,
                     guidance=2.0, rounds=3, rows=rows, meta=run_meta()), 'sample_bs.json')
