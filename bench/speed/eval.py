"""How fast does a trained classifier of the study score the test set, by forward batch size? Side by side in one run
(`make bench-eval`, about 1 minute): the study's small CNN (recipe `cpu`, 100 iterations on 640 Fashion-MNIST images: the
weights do not change the cost), scoring the study's 5,000 test images with flip test-time augmentation, as every run of the
study does once, at batch 64, 128, 256 and 1,024, interleaved over 7 rounds; the median seconds of each and its ratio to
1,024 (the old default), beside the host's calibration. The logits at every batch size are checked against those at 1,024
(BatchNorm in eval mode: the batch does not enter the sums). Writes bench/results/eval.json."""
import argparse, time, statistics
import torch
torch.set_num_threads(2)
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.learn import MixSpec, train_model, test_set, predict, get_recipe
from bench import save_result

BS = (64, 128, 256, 1024)

if __name__ == '__main__':
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()  # no settings: --help, and a stray argument is refused
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    model, _, _ = train_model(MixSpec(n_base=640, dataset='fashion-mnist', seed=0), get_recipe('cpu', budget='iterations', iterations=100), 0, device='cpu')
    ts = test_set('fashion-mnist', None, 500)
    ref = predict(model, ts, bs=1024, tta_flip=True, device='cpu')
    times = {b: [] for b in BS}
    for _ in range(7):
        for b in BS:
            t = time.perf_counter(); lg = predict(model, ts, bs=b, tta_flip=True, device='cpu'); times[b].append(time.perf_counter() - t)
            assert torch.allclose(lg, ref, atol=1e-4), f"batch {b}: logits differ from batch 1024 by {(lg - ref).abs().max():.2g}"
    med = {b: statistics.median(v) for b, v in times.items()}
    rows = [dict(bs=b, median_s=round(med[b], 3), min_s=round(min(times[b]), 3), ratio_to_1024=round(med[b] / med[1024], 2)) for b in BS]
    for r in rows: print(f"batch {r['bs']:>5}: {r['median_s']:.2f} s (min {r['min_s']:.2f}) for {len(ts)} images x 2 (flip), x{r['ratio_to_1024']:.2f} the time of batch 1024")
    print(f"predict's default on a CPU, batch 128: {med[1024] - med[128]:.1f} s less per classifier run of the study than batch 1024")
    save_result(dict(calibration=cal, n_images=len(ts), tta_flip=True, rounds=7, rows=rows, meta=run_meta()), 'eval.json')
