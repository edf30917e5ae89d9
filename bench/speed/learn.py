"""Learner speed and accuracy on this machine, side by side in one run (`make bench`):
1. full Fashion-MNIST (60k), CPU recipe, fast path (tensors in memory, batch augmentation) against
   the same epochs through a plain fastai Learner fed by PIL DataLoaders, with the time ratio;
2. 100, 300 and 600 real images per class: accuracy mean ± std over 3 seeds, and time;
3. the sweep's unit of work: one mix of 12,000 images, one seed, CPU recipe.
Writes bench/results/learn.json."""
import json, math, sys, tempfile, time
from pathlib import Path
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(2)
from fastai.learner import Learner
from fastai.data.core import DataLoaders
from fastai.callback.progress import ProgressCallback
from fastai.optimizer import SGD
from functools import partial
from mousterian.core import run_meta, seed_everything
from mousterian.data import load_dataset, Splits
from mousterian.mix import MixSpec, store_from_images
from mousterian.learn import train_eval, train_eval_seeds, summarize, get_recipe, small_cnn, evaluate, SoftCrossEntropy, fmt_pm
import pandas as pd
from bench import save_result

def pil_epochs(epochs, rc):
    "The same model, loss, optimiser and one-cycle schedule, fed by torchvision transforms on PIL images."
    import torchvision.transforms as T
    from PIL import Image
    trn, tst = load_dataset('fashion-mnist', 'train'), load_dataset('fashion-mnist', 'test')
    tf = T.Compose([T.RandomHorizontalFlip(), T.RandomCrop(28, padding=rc.pad_crop, fill=0), T.ToTensor(), T.Normalize([0.5], [0.5])])
    class PILSet(torch.utils.data.Dataset):
        def __init__(self, ds, tf): self.ds, self.tf = ds, tf
        def __len__(self): return len(self.ds)
        def __getitem__(self, i): x, y = self.ds[i]; return self.tf(Image.fromarray(x[0].numpy())), y
    seed_everything(0)
    dl = torch.utils.data.DataLoader(PILSet(trn, tf), batch_size=rc.bs, shuffle=True, num_workers=0)
    vdl = torch.utils.data.DataLoader(PILSet(tst, T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])), batch_size=1024)
    learn = Learner(DataLoaders(dl, vdl), small_cnn(10, 1), loss_func=SoftCrossEntropy(label_smoothing=rc.label_smoothing),
                    opt_func=partial(SGD, mom=rc.momentum), wd=rc.wd)
    learn.remove_cb(ProgressCallback)
    t = time.perf_counter(); learn.fit_one_cycle(epochs, rc.lr, pct_start=rc.warmup); dt = time.perf_counter() - t
    return dt, float(evaluate(learn.model, tst.to_tensors(), rc.tta_flip)['top1'])

if __name__ == '__main__':
    quick = '--quick' in sys.argv
    out, rc = {}, get_recipe('cpu')
    print('1. full Fashion-MNIST training split, CPU recipe', flush=True)
    r = train_eval(MixSpec(60_000), rc, seed=0)
    epochs = rc.epochs
    print(f"   fast path: top-1 {r['top1']:.2%} in {r['wall_time']:.0f} s ({epochs} epochs, {r['iterations']} iterations)"
          f"   target >= 92% within 300 s: {'ok' if r['top1'] >= 0.92 and r['wall_time'] <= 300 else 'MISSED'}", flush=True)
    pe = 1 if quick else epochs
    t_pil, acc_pil = pil_epochs(pe, rc)
    t_fast_same = r['wall_time'] * pe / epochs
    print(f"   PIL DataLoaders, plain fastai Learner, {pe} epoch(s): {t_pil:.0f} s (top-1 {acc_pil:.2%})   time ratio PIL / fast: {t_pil / t_fast_same:.1f}x", flush=True)
    out['full'] = dict(fast=r, pil_seconds=t_pil, pil_top1=acc_pil, pil_epochs=pe, ratio=t_pil / t_fast_same)
    print('2. real images per class, 3 seeds', flush=True)
    rows = []
    for n in (100, 300, 600):
        df = train_eval_seeds(MixSpec(n * 10), rc, seeds=(0, 1, 2))
        s = summarize(df).iloc[0]
        print(f"   {n:4d} per class: top-1 {s['top1']} %   {df['wall_time'].mean():.1f} s per run", flush=True)
        rows.append(dict(n_per_class=n, mean=s['mean'], std=s['std'], seconds=df['wall_time'].mean()))
    out['per_class'] = rows
    print('3. the sweep unit: one mix of 12,000 images (6,000 real + 6,000 from a store), one seed', flush=True)
    with tempfile.TemporaryDirectory() as d:
        pool = Splits('fashion-mnist', 0, 0, 600).load()['gen_pool']   # real images standing in for generated ones: timing only
        store_from_images(Path(d) / 'st', pool, generator='real-copy')
        t = time.perf_counter(); ru = train_eval(MixSpec(6000, 0, 6000, store=str(Path(d) / 'st'), n_gen_pool_per_class=600), rc, seed=0); dt = time.perf_counter() - t
    print(f"   {dt:.1f} s (target <= 60 s: {'ok' if dt <= 60 else 'MISSED'}), {ru['iterations']} iterations, top-1 {ru['top1']:.2%}", flush=True)
    out['unit'] = dict(seconds=dt, **ru)
    save_result(dict(meta=run_meta(dict(bench='learn', quick=quick)), **out), 'learn.json')
