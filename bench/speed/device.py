"""The rates the planner prices a study at, measured on the device at hand (CPU or CUDA) at a preset's sizes (`make bench-device`).

For PRESET (default fmnist-cpu), in a few minutes: a classifier of its recipe trained on images of its shape for two
iteration counts (seconds per iteration and the fixed part of a run, with its test-set evaluation), its DDPM trained for two
step counts (seconds per step), sampled at its sampler's steps and guidance (seconds per image), and scoring throughput (for the
filter and the metrics, whose rates are composed from these: the filter's classifier on its pool amortised over a store's
images plus scoring; a store's metrics as its domain classifier's iterations plus scoring its images three times). Written to
bench/results/device-<name>.json in the format `study.planner.device_rates` reads (`mousterian-plan PRESET --device cuda`),
with the host's calibration; on a CPU the pilot's own rates are printed beside them, and the preset's design priced both ways.
Usage: python -m bench.speed.device [PRESET]"""
import sys, re, time, math, tempfile, platform
import numpy as np, torch
from dataclasses import asdict
from mousterian.core import get_device, load_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.data import TensorImages
from mousterian.learn import get_recipe, get_model, fit, predict
from mousterian.sweep import machine_plan
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, sample
from mousterian.study.config import study_config
from mousterian.study.arms import DDPMArm
from mousterian.study.plan import plan_runs, generation_plan
from mousterian.study.pilots import design_minutes, pilot_rates, read_pilot, _classes
from bench import RESULTS, save_result, timed

def images(n, K, C, H, seed=0):
    g = torch.Generator().manual_seed(seed)
    return TensorImages(torch.randint(0, 256, (n, C, H, H), dtype=torch.uint8, generator=g),
                        torch.arange(n) % K, [str(k) for k in range(K)], 'random', 'train')

if __name__ == '__main__':
    preset = sys.argv[1] if len(sys.argv) > 1 else 'fmnist-cpu'
    c = study_config(preset); K = _classes(c); dev = get_device(None); t0 = time.perf_counter()
    ddpm_arms = {a: s for a, s in c.generators.items() if isinstance(s, DDPMArm)}
    spec = next(iter(ddpm_arms.values()), None)
    cfg0 = ddpm_config(spec.preset) if spec else None
    C, H = (cfg0.channels, cfg0.image_size) if cfg0 else (3, c.image_size or 32)
    rc = get_recipe(c.recipe, **c.recipe_overrides)
    out = dict(preset=preset, images=f"{C}x{H}x{H}", classes=K)
    # a classifier run: two lengths, the fixed part with its evaluation on the test set
    ds = images(max(rc.bs * 4, 512), K, C, H)
    n_test = (c.n_test_per_class or 500) * K; test = images(n_test, K, C, H, 1)
    run = lambda n: fit(get_model(rc.arch, K, C, H, **rc.arch_kwargs), [ds], rc, n, device=dev)
    run(5)  # warm-up
    a, b = 40, 160
    _, ta = timed(lambda: run(a)); learn, tb = timed(lambda: run(b))
    per_it = (tb - ta) / (b - a)
    _, t_eval = timed(lambda: predict(learn.model, test, device=dev))
    out['classifier'] = dict(seconds_per_iteration=per_it, fixed=max(ta - a * per_it, 0.) + t_eval, eval_seconds=t_eval,
                             batch=rc.bs, arch=rc.arch)
    score = t_eval / n_test
    # the DDPM: two step counts; sampling at the study's sampler
    if spec:
        data = images(K * 20, K, C, H, 2); tmp = tempfile.mkdtemp()
        hp = lambda n: TrainHP.of(dict(spec.train_settings(), steps=n, warmup=1, ckpt_every=10**6))  # the arm's recipe, n steps
        cfg = ddpm_config(spec.preset, data)
        s1, s2 = 6, 24
        _, t1 = timed(lambda: train_ddpm(data, f'{tmp}/a', cfg, hp(s1), device=dev, force=True))
        _, t2 = timed(lambda: train_ddpm(data, f'{tmp}/b', cfg, hp(s2), device=dev, force=True))
        step = (t2 - t1) / (s2 - s1)
        unet = cfg.unet().to(dev).eval(); n_img = 2 * c.sampling.bs
        _, ts = timed(lambda: sample(unet, cfg, [i % K for i in range(n_img)], list(range(n_img)), c.sampling.sampler,
                                     c.sampling.steps, c.sampling.guidance, c.sampling.bs, device=dev))
        out['ddpm'] = dict(seconds_per_step=step, batch=spec.bs, seconds_per_image=ts / n_img, sampler=c.sampling.sampler,
                           sampler_steps=c.sampling.steps)
    else: step, ts, n_img = 0., 0., 1
    # composed rates: a store's filter (its classifier on the external pool, amortised) and its metrics
    runs, _ = plan_runs(c); gp = generation_plan(c, runs)
    per_store = np.mean([g['per_class'] * K for g in gp.values()]) if gp else 1.
    pool = c.external_pool_per_class * K
    # the filter, per iteration of its classifier (`study.planner._work`): one store's classifier on the pool and its scoring
    its = rc.iterations_for(pool, pool) if pool else 1
    filt = (out['classifier']['fixed'] + per_it * its + score * per_store) / its if pool and c.filter.q > 0 else 0.
    store = c.metrics.domain_iterations * per_it + 3 * c.metrics.n_images * score + out['classifier']['fixed']
    workers = machine_plan()['workers']
    rates = dict(run_fixed=out['classifier']['fixed'], run_per_iteration=per_it, parallel=float(workers),
                 ddpm_step=step, image=ts / n_img, filtered=filt, store=store, fixed=30.,
                 measured=out, composed=['filtered', 'store'], fixed_from='laws and report, about 30 s (the published study: 29 s)')
    cuda = torch.cuda.is_available()
    name = (re.sub(r'[^a-z0-9]+', '-', torch.cuda.get_device_name(0).lower()).strip('-') if cuda
            else f"cpu-{platform.node()}-{torch.backends.cpu.get_cpu_capability().lower()}")
    f = RESULTS / f'device-{name}.json'
    old = load_json(f) if f.exists() else {}
    j = dict(device=torch.cuda.get_device_name(0) if cuda else platform.processor() or platform.machine(),
             device_kind='cuda' if cuda else 'cpu', calibration=calibrate(), meta=run_meta({}),
             presets={**old.get('presets', {}), preset: rates})
    own = design_minutes(c, rates, K)
    print(f"{preset} on {j['device']} ({j['device_kind']}): classifier {per_it * 1000:.1f} ms/iteration + {rates['run_fixed']:.1f} s a run; "
          f"DDPM {step:.3f} s/step; sampling {rates['image'] * 1000:.1f} ms/image; {workers} runs at once; the preset's design "
          f"priced at {own['total']:.1f} min (" + ', '.join(f"{k} {v:.1f}" for k, v in own.items() if k not in ('total', 'runs', 'draws')) + ")")
    if not cuda and preset == 'fmnist-cpu-wide':  # the preset the shipped pilot ran
        pr = pilot_rates(read_pilot('fmnist-cpu-wide')); po = design_minutes(c, pr, K)
        print(f"  beside the published study's own rates (its host): {po['total']:.1f} min (" + ', '.join(
              f"{k} {v:.1f}" for k, v in po.items() if k not in ('total', 'runs', 'draws')) + "); ratio "
              f"{own['total'] / po['total']:.2f}")
    print(f"measured in {time.perf_counter() - t0:.0f} s")
    save_result(j, f.name)
