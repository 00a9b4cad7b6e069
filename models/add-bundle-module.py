#!/usr/bin/env python3
"""Makes trained hybrid variants of any data set model bundle modules (the recipe of models/cifar10/README.md,
automated).

Usage: /usr/bin/python3 models/add-bundle-module.py [--dataset NAME] <variant> [more variants...]
       e.g. --dataset cifar100 s2b3-b4 (default data set: cifar10; models/cifar10/add-bundle-module.py is this one)

For each variant <v> (its edge.onnx, cloud.onnx and metrics.json exported by models/train.py in
models/<dataset>/<v>/; the model name is metrics.json's, e.g. cifar100-resnet32-s2b3-b4) it writes
models/<dataset>/<v>/{pom.xml,bnd.bnd,src/test/...} from the Fashion-MNIST module, adds the module and its
dependencyManagement entry to the root pom, and adds the bundle to runtime/demo's `<dataset>-models` execution (so
`./hybridfog demo --dataset <dataset>` and `./hybridfog dse` find it). Idempotent: a variant already wired is left as
is. --root DIR works on another checkout (e.g. a copy, to try it).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FMNIST = os.path.join(ROOT, "models", "fashion-mnist")
CONFIGS = os.path.join(ROOT, "models", "hybridfog_models", "datasets")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def title(dataset):
    """The data set's name in prose: its configuration's "title", else its name."""
    path = os.path.join(CONFIGS, dataset + ".json")
    return json.loads(read(path)).get("title", dataset) if os.path.exists(path) else dataset


def java_package(dataset):
    return "io.hybridfog.model." + re.sub(r"[^a-z0-9]", "", dataset.lower())


def module_files(dataset, v):
    d = os.path.join(ROOT, "models", dataset, v)
    for f in ("edge.onnx", "cloud.onnx", "metrics.json"):
        if not os.path.isfile(os.path.join(d, f)):
            sys.exit(f"{d}/{f} is missing: train and export the variant first (models/README.md)")
    metrics = json.loads(read(os.path.join(d, "metrics.json")))
    version, model = metrics["version"], metrics["model"]
    arch = metrics.get("arch", "resnet32")
    net = f"ResNet-{arch[len('resnet'):]}" if arch.startswith("resnet") else arch
    package = java_package(dataset)
    pom = read(os.path.join(FMNIST, "pom.xml"))
    pom = pom.replace("<relativePath>../../pom.xml", "<relativePath>../../../pom.xml")
    pom = pom.replace("hybridfog-model-fashion-mnist", f"hybridfog-model-{dataset}-{v}")
    pom = pom.replace("HybridFog model bundle: fashion-mnist-hybrid", f"HybridFog model bundle: {model}")
    pom = pom.replace("the Fashion-MNIST hybrid network", f"the {title(dataset)} {net} hybrid variant {v}")
    pom = pom.replace("fashion-mnist-hybrid-", f"{model}-")  # target/<model>-<version>.jar
    pom = re.sub(r"<!-- Must equal.*?-->\s*<hybridfog.model.version>\$\{fashion-mnist.model.version\}</hybridfog.model.version>",
                 "<!-- Must equal the \"version\" in the partitions' metadata (the version option of train.py); the test checks it. -->\n"
                 f"    <hybridfog.model.version>{version}</hybridfog.model.version>", pom, flags=re.S)
    if f"<hybridfog.model.version>{version}</hybridfog.model.version>" not in pom:
        sys.exit("models/fashion-mnist/pom.xml changed its version property: update add-bundle-module.py")
    write(os.path.join(d, "pom.xml"), pom)
    bnd = read(os.path.join(FMNIST, "bnd.bnd")).replace("fashion-mnist-hybrid", model)
    bnd = bnd.replace("train.py, data/, png/ and build/ in this folder stay out", "reference-predictions.csv and target/ stay out")
    write(os.path.join(d, "bnd.bnd"), bnd)
    test = read(os.path.join(FMNIST, "src/test/java/io/hybridfog/model/fashionmnist/ModelBundleContentTest.java"))
    test = test.replace("package io.hybridfog.model.fashionmnist;", f"package {package};")
    test = test.replace("fashion-mnist-hybrid", model)
    write(os.path.join(d, "src/test/java", package.replace(".", "/"), "ModelBundleContentTest.java"), test)


def wire(dataset, v):
    artifact = f"hybridfog-model-{dataset}-{v}"
    execution = f"{dataset}-models"
    root = read(os.path.join(ROOT, "pom.xml"))
    if f"<module>models/{dataset}/{v}</module>" not in root:
        anchor = "    <module>runtime/launcher</module>"
        root = root.replace(anchor, f"    <module>models/{dataset}/{v}</module>\n{anchor}", 1)
        dm = re.search(r"( *)<dependency><groupId>io.hybridfog</groupId><artifactId>hybridfog-model-fashion-mnist</artifactId>.*\n", root)
        root = root[:dm.end()] + (f"{dm.group(1)}<dependency><groupId>io.hybridfog</groupId><artifactId>{artifact}</artifactId>"
                                  "<version>${project.version}</version></dependency>\n") + root[dm.end():]
        write(os.path.join(ROOT, "pom.xml"), root)
    demo_path = os.path.join(ROOT, "runtime", "demo", "pom.xml")
    demo = read(demo_path)
    if artifact not in demo:
        dep = re.search(r"( *)<dependency><groupId>io.hybridfog</groupId><artifactId>hybridfog-model-fashion-mnist</artifactId><scope>provided</scope></dependency>\n", demo)
        demo = demo[:dep.end()] + (f"{dep.group(1)}<dependency><groupId>io.hybridfog</groupId><artifactId>{artifact}</artifactId>"
                                   "<scope>provided</scope></dependency>\n") + demo[dep.end():]
        if f"<id>{execution}</id>" not in demo:
            models = demo.index("<id>models</id>")
            end = demo.index("</execution>", models) + len("</execution>")
            phase = re.search(r"<id>cifar10-models</id><phase>([^<]+)</phase>", demo)
            demo = demo[:end] + f"""
          <execution>
            <!-- {title(dataset)} variants (add-bundle-module.py); not part of the Pax Exam runtime (BundleListTest) -->
            <id>{execution}</id><phase>{phase.group(1) if phase else "package"}</phase><goals><goal>copy</goal></goals>
            <configuration>
              <outputDirectory>${{dist.dir}}/models</outputDirectory>
              <artifactItems>
              </artifactItems>
            </configuration>
          </execution>""" + demo[end:]
        ex = demo.index(f"<id>{execution}</id>")
        items_end = demo.index("              </artifactItems>", ex)
        demo = demo[:items_end] + (f"                <artifactItem><groupId>io.hybridfog</groupId><artifactId>{artifact}</artifactId>"
                                   "</artifactItem>\n") + demo[items_end:]
        write(demo_path, demo)


def main(argv=None):
    import argparse
    global ROOT, FMNIST, CONFIGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="cifar10", help="the data set: variants in models/<dataset>/ (default: %(default)s)")
    ap.add_argument("--root", default=ROOT, help="the checkout to change (default: this one)")
    ap.add_argument("variants", nargs="+", help="variant folder names, e.g. s2b3-b1 (resnet20-s2-b4 for other architectures)")
    args = ap.parse_args(argv)
    ROOT = os.path.abspath(args.root)
    FMNIST = os.path.join(ROOT, "models", "fashion-mnist")
    CONFIGS = os.path.join(ROOT, "models", "hybridfog_models", "datasets")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", args.dataset):
        sys.exit(f"--dataset {args.dataset}: lower-case letters, digits and dashes (a Maven artifact id part)")
    for variant in args.variants:
        if not re.fullmatch(r"(resnet(20|32|56)-)?(s[123](b\d+)?|\d+)-b[124]", variant):
            sys.exit(f"not a variant name: {variant} (e.g. s2b3-b1, resnet20-s2-b4)")
        module_files(args.dataset, variant)
        wire(args.dataset, variant)
        print(f"models/{args.dataset}/{variant}: module written and wired; build with "
              f"flock /tmp/hybridfog-mvn.lock mvn -q -o -pl models/{args.dataset}/{variant},runtime/demo install")


if __name__ == "__main__":
    main()
