"""How close torch's AVX2 code paths on an AVX-512 host come to a real AVX2 host (`make bench-hostkind`, about 8 minutes).

The same small workloads of the study's steps run in fresh processes, alternated, with torch's default code paths and with
ATEN_CPU_CAPABILITY=avx2 and DNNL_MAX_CPU_ISA=AVX2 (the AVX2 kernels of ATen and oneDNN on this CPU):
- calibrate: `benchmarks.calibrate` (matmul, convolution, Python loop);
- grid: one classifier of the embedded study (the base set alone at 4/class, the preset's recipe: 200 iterations, 5,000 test images);
- train: 40 DDPM training steps of the preset's generator (fmnist-cpu-v, min-SNR 5) on 40 images;
- generate: 256 images sampled from it (ddpm, 5 steps, batch 128);
- design: the design check's simulations (NumPy and SciPy, which ATEN_CPU_CAPABILITY does not reach).
Per workload, the ratio emulated/default beside the ratio measured on a real 2-core AVX2 host against the published run (issue #36:
design 3.1x, train 2.7x, generate 1.8x, filter 2.6x, grid 2.65x). Writes bench/results/hostkind.json."""
import json, os, subprocess, sys
from pathlib import Path
from bench import ROOT, RESULTS, save_result

REAL_AVX2 = dict(design=3.1, train=2.7, generate=1.8, filter=2.6, grid=2.65)  # a real AVX2 host against the published run (issue #36), per study step
REAL_AVX2_CAL = dict(torch_matmul_s=(0.079, 0.088), torch_conv_s=(0.255, 0.262), python_loop_s=(0.143, 0.156))  # `benchmarks.calibrate` on that host, idle (issue #36): lowest, highest
EMULATE = {'ATEN_CPU_CAPABILITY': 'avx2', 'DNNL_MAX_CPU_ISA': 'AVX2'}

CHILD = r'''
import json, sys, time, tempfile, warnings
warnings.simplefilter('ignore')
import torch, numpy as np
torch.set_num_threads(2)
from mousterian.benchmarks import calibrate
out = dict(capability=torch.backends.cpu.get_cpu_capability(), calibrate=calibrate())
from mousterian.learn import run_mix
import yaml, mousterian
pre = yaml.safe_load((__import__('pathlib').Path(mousterian.__file__).parent / 'assets' / 'studies' / 'fmnist-cpu.yaml').read_text())
run_mix(40, dataset='fashion-mnist', n_test_per_class=50, seed=9, device='cpu', **pre['recipe_overrides'])  # warm the data caches
t = time.perf_counter(); run_mix(40, dataset='fashion-mnist', n_test_per_class=500, seed=0, device='cpu', **pre['recipe_overrides']); out['grid'] = time.perf_counter() - t
from mousterian.data import load_dataset
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, generate
trn = load_dataset('fashion-mnist')
data = trn.subset(np.concatenate([np.where(trn.y.numpy() == c)[0][:4] for c in range(10)]))
d = tempfile.mkdtemp()
t = time.perf_counter(); train_ddpm(data, d, ddpm_config('fmnist-cpu-v', data), TrainHP(steps=40, snr_gamma=5.0, ckpt_every=1000), device='cpu'); out['train'] = time.perf_counter() - t
t = time.perf_counter(); generate(d, d + '/store', per_class=26, sampler='ddpm', steps=5, guidance=2.0, bs=128, device='cpu'); out['generate'] = time.perf_counter() - t
from mousterian.equiv import design_check
import pandas as pd
design = pd.DataFrame([dict(n_base=nb, n_real_plus=round(r * nb), n_syn_plus=round(s * nb), seed=k) for nb in (40, 160, 640) for r, s in
                       [(0, 0), (.5, 0), (1, 0), (2, 0), (0, 1), (0, 3), (0, 10)] for k in range(3)])
t = time.perf_counter(); design_check(design, 0.72, n_sim=6, n_boot=50); out['design'] = time.perf_counter() - t
print('RESULT ' + json.dumps(out))
'''

def child(env_extra):
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0', 'CUDA_VISIBLE_DEVICES': '', **env_extra}
    for k in EMULATE:
        if k not in env_extra: env.pop(k, None)
    r = subprocess.run([sys.executable, '-c', CHILD], capture_output=True, text=True, env=env, timeout=1800)
    line = next((l for l in r.stdout.splitlines() if l.startswith('RESULT ')), None)
    if line is None: raise SystemExit(f"the workload failed:\n{r.stderr[-3000:]}")
    return json.loads(line[7:])

STUDY = RESULTS / 'study-fmnist-cpu' / 'timings.json'
AS_STEP = dict(metrics='grid', laws='design', report='design')  # steps the AVX2 host did not time, read at the ratio of the step whose work is alike (classifier training; NumPy and SciPy)

def avx2_ratio(step:str) -> float: return REAL_AVX2.get(step, REAL_AVX2[AS_STEP.get(step, 'grid')])

def step_seconds(timings=STUDY) -> dict:
    "Each step's seconds in a study's timings.json: its longest time, the invocation that did its work (a rerun skips what is done)."
    steps = {}
    for l in json.loads(Path(timings).read_text()):
        for k, v in l["steps"].items(): steps[k] = max(v, steps.get(k, 0.))
    return steps

def amp_ratio(timings) -> float:
    """The bfloat16 training step's time against float32's (make bench-generator) where the study's DDPMs trained in mixed precision
    (`amp`, every one of them): an AVX2 host without native bfloat16 trains them in float32, so its train step is that much slower
    again; 1 for a float32 study."""
    st = Path(timings).parent / 'study.json'
    gens = [g for g in json.loads(st.read_text())['generators'].values() if g.get('kind') == 'ddpm'] if st.exists() else []
    if not gens or not all(g.get('amp') for g in gens): return 1.
    return json.loads((RESULTS / 'generator.json').read_text())['bf16_against_float32']['step_time_ratio']

def estimate(timings=STUDY) -> dict:
    """The published study's time per step on its host (AVX-512, measured) and on a 2-core AVX2 host (estimated: each step times the ratio
    measured there, `REAL_AVX2`; steps it did not time at the ratio of the step alike, `AS_STEP`; a study whose DDPMs trained in bfloat16
    trains them in float32 there, `amp_ratio`)."""
    steps = step_seconds(timings); a = amp_ratio(timings)
    ratios = {k: avx2_ratio(k) / (a if k == 'train' else 1.) for k in steps}
    avx2 = {k: v * ratios[k] for k, v in steps.items()}
    return dict(steps_avx512_s=steps, steps_avx2_est_s=avx2, total_avx512_min=sum(steps.values()) / 60, total_avx2_est_min=sum(avx2.values()) / 60,
                ratios_used=ratios, amp_ratio=a, timings=str(Path(timings).relative_to(ROOT)))

def print_estimate(e):
    print(f"The published study ({e['timings']}), per step: measured on its 2-core AVX-512 host, and estimated on a 2-core AVX2 host:")
    for k, v in e['steps_avx512_s'].items():
        print(f"  {k:<9} {v / 60:6.1f} min  ->  {e['steps_avx2_est_s'][k] / 60:6.1f} min  (x{e['ratios_used'][k]:.2f})")
    print(f"  total     {e['total_avx512_min']:6.1f} min  ->  {e['total_avx2_est_min']:6.1f} min"
          + (f"  (its DDPMs trained in bfloat16: x{1 / e['amp_ratio']:.2f} more for train in float32 on AVX2)" if e.get('amp_ratio', 1.) != 1. else ''))

def main(reps=2):
    import torch
    from mousterian.core import run_meta
    from mousterian.benchmarks import calibrate
    host = torch.backends.cpu.get_cpu_capability()
    if host != 'AVX512': print(f"this host's torch capability is {host}: there is no AVX-512 path to compare AVX2 against; the ratios are of {host} with itself")
    runs = {'default': [], 'avx2': []}
    for i in range(reps):
        for k in (('default', 'avx2') if i % 2 == 0 else ('avx2', 'default')):
            r = child(EMULATE if k == 'avx2' else {}); runs[k].append(r)
            print(f"  rep {i} {k:<8} ({r['capability']}): " + ', '.join(f"{w} {r[w]:.1f} s" for w in ('grid', 'train', 'generate', 'design'))
                  + f"; calibration matmul {r['calibrate']['torch_matmul_s']:.3f} s, conv {r['calibrate']['torch_conv_s']:.3f} s", flush=True)
    best = {k: {w: min(r[w] for r in v) for w in ('grid', 'train', 'generate', 'design')} for k, v in runs.items()}
    for k, v in runs.items():
        best[k].update({f'cal_{c}': min(r['calibrate'][c] for r in v) for c in ('torch_matmul_s', 'torch_conv_s', 'python_loop_s')})
    ratio = {w: best['avx2'][w] / best['default'][w] for w in best['default']}
    print("\nemulated AVX2 / this host's default (best of %d), against a real AVX2 host / the published run:" % reps)
    for w in ('grid', 'train', 'generate', 'design'):
        print(f"  {w:<9} {ratio[w]:.2f}x   (real AVX2 host: {REAL_AVX2[w]:.2f}x)")
    for c in ('torch_matmul_s', 'torch_conv_s', 'python_loop_s'): print(f"  calibrate {c}: {ratio['cal_' + c]:.2f}x")
    e = estimate(); print(); print_estimate(e)
    save_result(dict(host_capability=host, emulation=EMULATE, reps=reps, runs=runs, best=best, ratio=ratio, real_avx2=REAL_AVX2, study_estimate=e,
                   calibration=calibrate(), meta=run_meta(dict(reps=reps))), 'hostkind.json')

if __name__ == '__main__':
    if sys.argv[1:2] == ['--estimate-only'] and len(sys.argv) <= 3:  # a published study's timings.json, or its name (default: the embedded study)
        t = Path(sys.argv[2]) if len(sys.argv) == 3 else STUDY
        if not t.exists() and not t.suffix: t = RESULTS / f'study-{t}' / 'timings.json'
        if not t.exists(): sys.exit(f"{t} does not exist: give a published study's name (fmnist-cpu, fmnist-quick) or a timings.json")
        print_estimate(estimate(t.resolve()))
    elif sys.argv[1:] and not sys.argv[1].isdigit(): sys.exit(f"usage: bench_hostkind.py [REPS] | --estimate-only [STUDY or TIMINGS.json] (REPS, a whole number >= 1: runs of each kind; got {sys.argv[1]!r})")
    else: main(max(1, int(sys.argv[1])) if len(sys.argv) > 1 else 2)
