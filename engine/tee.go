package engine

// Tee hands its input to several operators: the output of a sub-plan that
// several parts of a plan read, computed once (the planner's sub-plan
// reuse, as Flink's table.optimizer.reuse-sub-plan-enabled). Records and
// watermarks go to each output in the order the outputs were added, on the
// job's one goroutine, so a two-input operator fed by both sides of a tee
// sees a batch on its left input, then on its right. Every output gets the
// same records: operators never modify the records or rows they receive
// (see Op), so nothing is copied.
type Tee struct {
	outs []Op
}

var _ Op = (*Tee)(nil)

// NewTee returns a tee with no outputs yet.
func NewTee() *Tee { return &Tee{} }

// Add adds an output.
func (t *Tee) Add(next Op) { t.outs = append(t.outs, next) }

// Outputs returns how many operators the tee feeds.
func (t *Tee) Outputs() int { return len(t.outs) }

// Open, Close: the operators behind a tee are opened and closed by the job.
func (t *Tee) Open(*OpContext) error { return nil }
func (t *Tee) Close() error          { return nil }

// Process hands recs to every output in turn.
func (t *Tee) Process(recs []Rec) error {
	for _, o := range t.outs {
		if err := o.Process(recs); err != nil {
			return err
		}
	}
	return nil
}

// Watermark forwards wm to every output in turn (the end of input is the
// watermark MaxWatermark).
func (t *Tee) Watermark(wm int64) error {
	for _, o := range t.outs {
		if err := o.Watermark(wm); err != nil {
			return err
		}
	}
	return nil
}

// Describe implements Describer.
func (t *Tee) Describe() string { return "Tee" }
