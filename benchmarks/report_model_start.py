"""Model 2 quick-sized (44 photos, batch 8, MINUTES): usage LR adv|noadv MINUTES OUT erase|mean|telea; prints PSNR in the hole."""
import sys, time, torch
from inpaintlib import data, masks, runtime
from inpaintlib.models import build_model, build_discriminator
from inpaintlib.train import TrainConfig, Trainer
from inpaintlib.baselines import MeanColorInpainter, classical_baselines
from inpaintlib.evaluation import evaluate, evaluation_mask
torch.set_num_threads(2)
lr = float(sys.argv[1]); adv = sys.argv[2] == "adv"; minutes = float(sys.argv[3]); out = sys.argv[4]
split = data.load_dataset("auto", domain="photo", size=224, limit=64, seed=0, verbose=False)
print(split.counts)
cfg = TrainConfig(epochs=200, batch_size=8, mask_kinds=["blocks","free_form","center"], patience=50, seed=0,
                  lr_g=lr, adversarial=adv)
runtime.seed_everything(0)
g, d = build_model("masked", base_fill=sys.argv[5]), build_discriminator("masked")
tr = Trainer(g, d, split.train, split.val, cfg, out_dir=out, model_name="masked", progress=False)
t=time.time(); h = tr.fit(epochs=200, max_minutes=minutes); print(len(h), "epochs", time.time()-t)
print(h); print("val rec", [round(v,4) for v in h.val("rec")]); print("train rec", [round(v,4) for v in h.train("rec")])
g = tr.generator if hasattr(tr, "generator") else g
imgs = torch.stack([split.val[i] for i in range(8)])
holes = torch.stack([evaluation_mask("center", i, 224, 0) for i in range(8)])[:, None]
for mode in ("train", "eval"):
    getattr(g, mode)()
    with torch.no_grad():
        p = g.generate(imgs, holes) if hasattr(g,"generate") else g(imgs, holes)
    hole = holes.expand_as(p).bool()
    print(mode, "pred in hole mean %.3f std %.3f | truth mean %.3f std %.3f" % (p[hole].mean(), p[hole].std(), imgs[hole].mean(), imgs[hole].std()))
    print(mode, "per-image std of prediction in hole", [round(float(p[i][hole[i]].std()),3) for i in range(4)])
g.eval()
res = evaluate({"m2": g, "mean": MeanColorInpainter(), **{b.name: b for b in classical_baselines()}}, split.val, mask_kinds=["center","blocks","free_form"], seed=0)
print(res.table(metrics=("psnr_hole",)).to_text())
