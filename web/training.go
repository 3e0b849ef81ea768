package web

// TrainingRun is one training run of a built-in model as recorded by
// train/train.py (train/records/NAME.json), served by GET /api/training
// (and api/training in an export) as {"runs": [TrainingRun, ...]}. The
// residual-connection lesson plots ResNet-20 against Plain-20 from these.
type TrainingRun struct {
	Net     string          `json:"net"`     // the model name, e.g. "resnet20_cifar"
	Command string          `json:"command"` // the exact command that trained it
	Params  int64           `json:"params"`
	MACs    int64           `json:"macs"`
	Epochs  []TrainingEpoch `json:"epochs"`
}

// TrainingEpoch is one epoch of a run. Accuracies are percentages; TestAcc
// is on the 8,000 CIFAR-10 test images.
type TrainingEpoch struct {
	Epoch     int     `json:"epoch"`
	Steps     int     `json:"steps"`
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	TestAcc   float64 `json:"test_acc"`
	Seconds   float64 `json:"seconds"`
}
