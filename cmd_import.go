package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"convscope/engine"
	"convscope/models"
	"convscope/models/importonnx"
	"convscope/models/importpth"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

func init() {
	register("import", "convert a local .pth (torchvision state_dict) or .onnx file into a model", runImport)
}

func runImport(args []string) error { return importCmd(args, os.Stdout) }

func importCmd(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	name := fs.String("name", "", "name to store the model under (default: the file name)")
	arch := fs.String("arch", "", "architecture of a .pth state_dict (see below); for .onnx, an optional label")
	dataset := fs.String("dataset", "", "imagenet or cifar10: labels and preprocessing (default: the architecture's, imagenet for .onnx)")
	labelsFile := fs.String("labels", "", "file with one class name per line, in output order (overrides -dataset's labels)")
	twin := fs.Bool("float32", false, "write the float32 twin of model NAME instead (weights not quantized, to "+models.TwinDir+"/NAME"+models.Ext+" in the models folder): the reference the int8 lesson compares with")
	dir := addModelsDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: convscope import [-name NAME] -arch ARCH [-dataset D] [-labels FILE] [-models DIR] [-float32] FILE.pth")
		fmt.Fprintln(fs.Output(), "       convscope import [-name NAME] [-arch LABEL] [-dataset D] [-labels FILE] [-models DIR] [-float32] FILE.onnx")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "architectures: %s\n", strings.Join(models.ArchNames(), ", "))
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import takes exactly one file")
	}
	if *dir == "" {
		return errors.New("no models directory: pass -models DIR")
	}
	file := fs.Arg(0)
	if *name == "" {
		*name = strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	}
	if err := models.CheckName(*name); err != nil {
		return err
	}
	dst := models.PathFor(*dir, *name)
	if *twin {
		dst = models.TwinPath(*dir, *name)
		if _, err := os.Stat(dst); err == nil {
			return fmt.Errorf("model %q already has a float32 twin (%s): remove it first", *name, dst)
		}
	} else if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("a model named %q already exists (%s): choose another -name or remove it", *name, dst)
	}

	var f *modelfile.File
	var err error
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".pth", ".pt":
		if *arch == "" {
			return fmt.Errorf("-arch is required for %s files (one of %s)", ext, strings.Join(models.ArchNames(), ", "))
		}
		f, err = importPth(file, *name, *arch, *dataset, *labelsFile, *twin)
	case ".onnx":
		f, err = importONNX(file, *name, *arch, *dataset, *labelsFile, *twin)
	default:
		return fmt.Errorf("%s: unknown file type %q (want .pth or .onnx)", file, ext)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if *twin {
		err = storeTwin(dst, f, *dir, w)
	} else {
		err = storeModel(dst, f)
	}
	if err != nil {
		return err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s, %s, %d params, %.2f GMACs -> %s (%.1f MB)\n", *name, f.Meta.Arch, f.Meta.Dataset,
		f.Meta.Params, float64(f.Meta.MACs)/1e9, dst, float64(st.Size())/(1<<20))
	return nil
}

// importPth reads a torchvision state_dict checkpoint and converts it for
// arch. A checkpoint whose SHA-256 matches torchvision's published file for
// arch gets torchvision's accuracy figures.
func importPth(file, name, arch, dataset, labelsFile string, twin bool) (*modelfile.File, error) {
	def, err := models.Arch(arch)
	if err != nil {
		return nil, err
	}
	if dataset == "" {
		if dataset, err = models.ArchDataset(arch); err != nil {
			return nil, err
		}
	}
	meta, err := importMeta(name, dataset, labelsFile)
	if err != nil {
		return nil, err
	}
	if len(meta.Labels) != def.NumClasses {
		// A fine-tuned network: same architecture, another class count.
		if def, err = models.ArchConfig(arch, models.Config{Classes: len(meta.Labels)}); err != nil {
			return nil, err
		}
	}
	sum, err := fileSHA256(file)
	if err != nil {
		return nil, err
	}
	meta.Source = fmt.Sprintf("%s (sha256 %s)", filepath.Base(file), sum[:16])
	if tv, ok := models.TorchvisionWeights(arch); ok && strings.HasPrefix(sum, tv.SHA256Prefix) {
		meta.Source = "torchvision " + tv.File
		meta.Accuracy = torchvisionAccuracy(tv)
	}
	if twin {
		return convertPthWith(file, def, meta, models.ConvertFloat32)
	}
	return convertPth(file, def, meta)
}

// convertPth is the checkpoint -> model file path shared by import and fetch.
func convertPth(file string, def *models.Def, meta models.Meta) (*modelfile.File, error) {
	return convertPthWith(file, def, meta, models.Convert)
}

// convertPthWith reads and matches the checkpoint, then converts it with
// convert (models.Convert, or models.ConvertFloat32 for a twin).
func convertPthWith(file string, def *models.Def, meta models.Meta, convert func(*models.Def, map[string]*engine.Tensor, models.Meta) (*modelfile.File, error)) (*modelfile.File, error) {
	raw, err := importpth.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sd, err := importpth.Match(def, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return convert(def, sd, meta)
}

func importONNX(file, name, arch, dataset, labelsFile string, twin bool) (*modelfile.File, error) {
	if dataset == "" {
		dataset = labels.DatasetImageNet
	}
	meta, err := importMeta(name, dataset, labelsFile)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if st.Size() > 1<<30 {
		return nil, fmt.Errorf("%s: %d bytes, more than the 1 GiB this importer reads", file, st.Size())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	meta.Source = fmt.Sprintf("%s (sha256 %s)", filepath.Base(file), hex.EncodeToString(sum[:8]))
	convert := importonnx.Convert
	if twin {
		convert = importonnx.ConvertFloat32
	}
	f, err := convert(data, meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if arch != "" {
		f.Meta.Arch = arch
	}
	return f, nil
}

// importMeta is the metadata from the dataset and the optional labels file.
func importMeta(name, dataset, labelsFile string) (models.Meta, error) {
	spec, err := preprocessFor(dataset)
	if err != nil {
		return models.Meta{}, err
	}
	meta := models.Meta{Name: name, Dataset: dataset, Preprocess: spec}
	if labelsFile != "" {
		meta.Labels, err = readLabels(labelsFile)
	} else {
		meta.Labels, err = labels.For(dataset)
	}
	return meta, err
}

func preprocessFor(dataset string) (preprocess.Spec, error) {
	switch dataset {
	case labels.DatasetImageNet:
		return preprocess.ImageNet(), nil
	case labels.DatasetCIFAR10:
		return preprocess.CIFAR10(), nil
	}
	return preprocess.Spec{}, fmt.Errorf("unknown dataset %q (imagenet or cifar10)", dataset)
}

// readLabels reads one class name per non-empty line.
func readLabels(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	return out, sc.Err()
}

// storeModel fits the preprocessing to the model's input size, checks that
// the encoded file loads (so nothing unusable is ever stored) and writes it
// atomically.
func storeModel(dst string, f *modelfile.File) error {
	b, _, err := encodeLoadable(f)
	if err != nil {
		return err
	}
	return modelfile.WriteBytes(dst, b)
}

// encodeLoadable fits the preprocessing to the model's input size, encodes
// the file and loads it back.
func encodeLoadable(f *modelfile.File) ([]byte, *models.Model, error) {
	if len(f.Meta.Inputs) == 1 {
		spec, err := fitPreprocess(f.Meta.Preprocess, f.Meta.Inputs[0].Shape)
		if err != nil {
			return nil, nil, err
		}
		f.Meta.Preprocess = spec
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		return nil, nil, err
	}
	m, err := models.LoadBytes(b)
	if err != nil {
		return nil, nil, fmt.Errorf("the converted model does not load: %w", err)
	}
	return b, m, nil
}

// fitPreprocess adapts a dataset's preprocessing to a model whose input is
// (1, 3, H, H) with another H than the dataset's crop: it crops H, and
// resizes the shorter side in the same proportion (256/224 for ImageNet).
func fitPreprocess(spec preprocess.Spec, shape []int) (preprocess.Spec, error) {
	if len(shape) != 4 || shape[2] != shape[3] {
		return spec, fmt.Errorf("input shape %v: only square (1, 3, H, H) inputs are supported", shape)
	}
	if h := shape[2]; h != spec.Crop {
		if spec.ResizeShorter > 0 {
			spec.ResizeShorter = (h*spec.ResizeShorter + spec.Crop/2) / spec.Crop
		}
		spec.Crop = h
	}
	return spec, nil
}

func torchvisionAccuracy(w models.Weights) []modelfile.Accuracy {
	return []modelfile.Accuracy{{Split: "imagenet-val", Top1: w.Top1, Top5: w.Top5, Source: models.AccuracySource}}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
