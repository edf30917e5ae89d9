"""Copy a finished study's small outputs (figures, tables, laws, timings, the executed report) into bench/results/study-<name>/,
where the home page and the docs site read them: `python bench/publish_study.py study/fmnist-cpu`."""
import shutil, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]

def publish(src:Path):
    if not (src / 'report.ipynb').exists(): sys.exit(f"{src} has no report.ipynb: run the study to the end first.")
    dst = ROOT / 'bench' / 'results' / f'study-{src.name}'
    shutil.rmtree(dst, ignore_errors=True); dst.mkdir(parents=True)
    for f in ['study.json', 'metrics.json', 'timings.json', 'report.ipynb', 'sweep/results.csv']: shutil.copy(src / f, dst / Path(f).name)
    for f in (src / 'figures').glob('*.png'): shutil.copy(f, dst / f.name)
    for d in (src / 'laws').glob('*'):
        for f in ('law.json', 'exchange.csv', 'equivalence.csv'): shutil.copy(d / f, dst / f'{d.name}_{f}')
    for d in (src / 'generators').glob('*'): shutil.copy(d / 'train.json', dst / f'generator_{d.name}.json')
    print(f"published {src} -> {dst.relative_to(ROOT)} ({sum(f.stat().st_size for f in dst.iterdir()) / 1024:.0f} KB)")

if __name__ == '__main__': publish(Path(sys.argv[1] if len(sys.argv) > 1 else 'study/fmnist-cpu').resolve())
