package server

import "github.com/tumble/tumble/engine"

// Registry holds the server's connectors (another front-end served beside
// the HTTP API, Spark Connect, builds its jobs with them).
func (s *Server) Registry() *engine.Registry { return s.reg }
