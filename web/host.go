package web

import "convscope/web/protocol"

// Host is everything the page needs from the browser around it: the model
// list, the engine worker, the feature-map viewer and the files the user
// gives. wasm/app implements it with syscall/js; the component itself stays
// plain Go so its logic builds and is tested natively.
//
// ModelList, Training, Load, Classify, Activations, Filters, Explain, Slide
// and Fetch may block for a long time (a download, a VGG16 run): the
// component calls them from its own goroutines, never while it holds the
// render lock, so the page keeps answering clicks. The other methods return at once.
type Host interface {
	// ModelList fetches api/models.
	ModelList() ([]ModelEntry, error)
	// Training fetches api/training: the built-in models' per-epoch
	// training records (the residual-connection lesson's curves).
	Training() ([]TrainingRun, error)
	// Load makes m the worker's current model (downloaded with progress,
	// SHA-256 checked, kept in the Cache API).
	Load(m ModelEntry, progress func(loaded, total int64)) (*protocol.Loaded, error)
	// Classify runs the current model on an image file, or again on the last
	// image when image is nil; step is called for every executed layer.
	Classify(image []byte, step func(protocol.LayerDone)) (*protocol.Result, error)
	// Cancel stops the Classify and Explain requests in flight,
	// CancelLoad the Load requests and CancelExplain the Explain
	// requests; they end with an *Error of code protocol.CodeCancelled.
	Cancel()
	CancelLoad()
	CancelExplain()
	// Activations returns the feature maps of a layer of the last result.
	Activations(layer string) (*protocol.Maps, error)
	// Filters returns the first convolution's filters as RGB patches.
	Filters() (*protocol.Patches, error)
	// Explain returns where the network looks for class (an index into
	// Loaded.Labels) on the last result's image: an exact class activation
	// map, or occlusion sensitivity (many runs: progress is called after
	// each patch position with the positions done and their total, from
	// the calling goroutine; Cancel or CancelExplain stops it).
	Explain(class int, progress func(done, total int)) (*protocol.Heatmap, error)
	// Slide returns one kernel of a conv layer of the last result sliding
	// over one of its real input maps (input channel in, output channel out).
	Slide(layer string, out, in int) (*protocol.Slides, error)
	// ShowProgress updates a progress bar in place ("run" or "download":
	// the elements #NAME-step and #NAME-progress), without a render. A
	// render rebuilds the whole page (the layer table too) on the main
	// thread; doing that for each of VGG16's layers as it finishes would
	// keep the thread busy and make clicks wait. The component keeps the
	// same values in its state, so the next render shows them too.
	ShowProgress(name, label string, value, max float64)
	// ShowMaps, ShowFilters and ViewerSettings post to the viewer iframe.
	ShowMaps(m *protocol.Maps, image *protocol.Image)
	ShowFilters(p *protocol.Patches)
	ViewerSettings(colormap, norm string)
	// ShowResult writes a result into the elements of the result on the
	// page (#top5's rows, #timing, #view and its caption), where they
	// have the same structure, hides the busy state, alert and notice
	// (the component calls it when it keeps none of them), and reports
	// whether it did. AfterPaint calls f once the browser has painted the
	// page (or soon, in a hidden page). Together they show an answer
	// before the full render.
	ShowResult(r ShownResult) bool
	AfterPaint(f func())
	// ObjectURL makes a blob: URL of data for an <img>; Revoke frees one.
	// An empty data gives "".
	ObjectURL(data []byte, mime string) string
	Revoke(url string)
	// Fetch reads a file of the site (a sample image).
	Fetch(url string) ([]byte, error)
	// Camera reports whether the device has a camera the file picker can
	// open (phones and tablets).
	Camera() bool
}

// File is an image the user gave: picked, dropped or pasted.
type File struct {
	Name string
	Size int64
	// Read returns the file's bytes; it may block (it awaits the browser),
	// so call it outside the render lock.
	Read func() ([]byte, error)
	// Run, when not nil, is the file's Classify, which the host posted
	// already as the file was given (the worker reads the file: no read
	// in the page, and no wait for the component before the request
	// leaves): Run waits for its answer as Host.Classify does, and Read
	// is not called. Until Run is called, Host.Cancel leaves that
	// request alone (the component cancels the run the pick replaces
	// first). A host posts it only for a file of 1 to MaxImageBytes
	// bytes. preview, when the worker sends the Result's Preview, is
	// called with it before Run returns the Result (from the calling
	// goroutine, as step).
	Run func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error)
}

// Error is how a Host reports a worker's Error answer, so the component can
// tell a cancelled run from a failure.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// isCancelled reports whether err is the worker saying a request was
// cancelled.
func isCancelled(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == protocol.CodeCancelled
}
