package engine

import "testing"

// A burst of large batches grows an arena's slab; a long run of small
// batches afterwards lets it go, and a steady load keeps it.
func TestArenaReleasesBurst(t *testing.T) {
	var a arena
	batch := func(values int) {
		a.reset()
		for range values / 8 {
			a.row(8)
		}
	}
	batch(10 * BufferLarge)
	big := len(a.slab)
	if big <= 4*BufferLarge {
		t.Fatalf("slab of %d values after a batch of %d", big, 10*BufferLarge)
	}
	for range BufferIdle - 1 {
		batch(1000)
	}
	if len(a.slab) != big {
		t.Fatalf("slab of %d values after %d small batches, want it kept (%d)", len(a.slab), BufferIdle-1, big)
	}
	batch(1000)
	a.reset()
	if a.slab != nil {
		t.Fatalf("slab of %d values kept after %d small batches", len(a.slab), BufferIdle+1)
	}
	// A steady load that fills the slab keeps it.
	for range 2 * BufferIdle {
		batch(2 * BufferLarge)
	}
	steady := len(a.slab)
	for range 2 * BufferIdle {
		batch(2 * BufferLarge)
	}
	if len(a.slab) != steady || a.slab == nil {
		t.Fatalf("slab changed from %d to %d values under a steady load", steady, len(a.slab))
	}
}
