"""bfloat16 mixed precision (`Recipe.amp`, `TrainHP.amp`) against full precision, side by side in one run (`make bench-amp`):
1. the CPU recipe's classifier on 20 and 100 real Fashion-MNIST images per class, 3 seeds each: top-1 (mean ± std) and seconds per run;
2. DDPM training (the fmnist-cpu network, batch 64) on 100 images per class: training steps per second (speed only: the
   generators' fidelity under bf16 is not measured here).
Writes bench/results/amp.json."""
import sys, tempfile
from pathlib import Path
import torch
torch.set_num_threads(2)
from mousterian.core import load_json, run_meta
from mousterian.data import Splits
from mousterian.mix import MixSpec
from mousterian.learn import train_eval_seeds, summarize, get_recipe
from mousterian.train import bf16_supported
from mousterian.gen.ddpm import train_ddpm, TrainHP
from bench import save_result

if __name__ == '__main__':
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    out = dict(bf16_supported=bf16_supported('cpu'), classifier=[], ddpm=[])
    print(f"bf16 computed natively on this CPU: {out['bf16_supported']}", flush=True)
    print('1. classifier, CPU recipe, 3 seeds', flush=True)
    for n in (20, 100):
        for amp in (False, True):
            df = train_eval_seeds(MixSpec(n * 10), get_recipe('cpu', amp=amp), seeds=(0, 1, 2))
            s = summarize(df).iloc[0]
            out['classifier'].append(dict(n_per_class=n, amp=amp, mean=s['mean'], std=s['std'], seconds=df['wall_time'].mean()))
            print(f"   {n:3d} per class, {'bf16 ' if amp else 'fp32 '}: top-1 {s['top1']} %   {df['wall_time'].mean():.1f} s per run", flush=True)
    print(f'2. DDPM training, {steps} steps at batch 64 on 100 images per class', flush=True)
    data = Splits('fashion-mnist', 100).load()['base'].to_tensors()
    for amp in (False, True):
        with tempfile.TemporaryDirectory() as d:
            train_ddpm(data, Path(d) / 'm', 'fmnist-cpu', TrainHP(steps=steps, warmup=10, ckpt_every=10_000, amp=amp), device='cpu')
            info = load_json(Path(d) / 'm' / 'train.json')
        out['ddpm'].append(dict(amp=amp, steps=steps, seconds=info['train_seconds'], steps_per_s=steps / info['train_seconds']))
        print(f"   {'bf16' if amp else 'fp32'}: {steps / info['train_seconds']:.2f} steps/s", flush=True)
    c = {(r['n_per_class'], r['amp']): r for r in out['classifier']}
    print('side by side (bf16 / fp32): classifier time ' + ', '.join(f"{n}/class {c[n, True]['seconds'] / c[n, False]['seconds']:.2f}x" for n in (20, 100))
          + f"; DDPM step time {out['ddpm'][0]['steps_per_s'] / out['ddpm'][1]['steps_per_s']:.2f}x")
    save_result(dict(meta=run_meta(dict(bench='amp', ddpm_steps=steps)), **out), 'amp.json')
