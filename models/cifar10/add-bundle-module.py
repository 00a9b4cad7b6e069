#!/usr/bin/env python3
"""Makes a trained CIFAR-10 variant a model bundle module (the recipe of models/cifar10/README.md, automated).

Usage: /usr/bin/python3 models/cifar10/add-bundle-module.py s2b3-b1 [more variants...]

For each variant <v> (its edge.onnx, cloud.onnx and metrics.json exported by train.py in models/cifar10/<v>/) it
writes models/cifar10/<v>/{pom.xml,bnd.bnd,src/test/...} from the Fashion-MNIST module, adds the module and its
dependencyManagement entry to the root pom, and adds the bundle to runtime/demo's `cifar10-models` execution (so
`./hybridfog demo --dataset cifar10` and `./hybridfog dse` find it). Idempotent: a variant already wired is left as is.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FMNIST = os.path.join(ROOT, "models", "fashion-mnist")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def module_files(v):
    d = os.path.join(ROOT, "models", "cifar10", v)
    for f in ("edge.onnx", "cloud.onnx", "metrics.json"):
        if not os.path.isfile(os.path.join(d, f)):
            sys.exit(f"{d}/{f} is missing: train and export the variant first (models/cifar10/README.md)")
    version = json.loads(read(os.path.join(d, "metrics.json")))["version"]
    model = f"cifar10-resnet32-{v}"
    pom = read(os.path.join(FMNIST, "pom.xml"))
    pom = pom.replace("<relativePath>../../pom.xml", "<relativePath>../../../pom.xml")
    pom = pom.replace("hybridfog-model-fashion-mnist", f"hybridfog-model-cifar10-{v}")
    pom = pom.replace("HybridFog model bundle: fashion-mnist-hybrid", f"HybridFog model bundle: {model}")
    pom = pom.replace("the Fashion-MNIST hybrid network", f"the CIFAR-10 ResNet-32 hybrid variant {v}")
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
    test = test.replace("package io.hybridfog.model.fashionmnist;", "package io.hybridfog.model.cifar10;")
    test = test.replace("fashion-mnist-hybrid", model)
    write(os.path.join(d, "src/test/java/io/hybridfog/model/cifar10/ModelBundleContentTest.java"), test)


def wire(v):
    artifact = f"hybridfog-model-cifar10-{v}"
    root = read(os.path.join(ROOT, "pom.xml"))
    if f"<module>models/cifar10/{v}</module>" not in root:
        anchor = "    <module>runtime/launcher</module>"
        root = root.replace(anchor, f"    <module>models/cifar10/{v}</module>\n{anchor}", 1)
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
        if "<id>cifar10-models</id>" not in demo:
            models = demo.index("<id>models</id>")
            end = demo.index("</execution>", models) + len("</execution>")
            demo = demo[:end] + """
          <execution>
            <!-- CIFAR-10 variants (add-bundle-module.py); not part of the Pax Exam runtime (BundleListTest) -->
            <id>cifar10-models</id><phase>package</phase><goals><goal>copy</goal></goals>
            <configuration>
              <outputDirectory>${dist.dir}/models</outputDirectory>
              <artifactItems>
              </artifactItems>
            </configuration>
          </execution>""" + demo[end:]
        ex = demo.index("<id>cifar10-models</id>")
        items_end = demo.index("              </artifactItems>", ex)
        demo = demo[:items_end] + (f"                <artifactItem><groupId>io.hybridfog</groupId><artifactId>{artifact}</artifactId>"
                                   "</artifactItem>\n") + demo[items_end:]
        write(demo_path, demo)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for variant in sys.argv[1:]:
        if not re.fullmatch(r"(s1|s2b3|s3b2)-b[124]", variant):
            sys.exit(f"not a variant name: {variant} (e.g. s2b3-b1)")
        module_files(variant)
        wire(variant)
        print(f"models/cifar10/{variant}: module written and wired; build with "
              f"flock /tmp/hybridfog-mvn.lock mvn -q -o -pl models/cifar10/{variant},runtime/demo install")
