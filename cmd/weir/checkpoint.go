package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/statestore"
)

// checkpointCmd is `weir checkpoint list | inspect ID | verify ID`: what the
// checkpoints of a configuration hold, read from its object store.
func checkpointCmd(args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("checkpoint: want list, inspect ID or verify ID")
	}
	sub := args[0]
	fs := flag.NewFlagSet("checkpoint "+sub, flag.ContinueOnError)
	configFile := fs.String("config", "", "YAML config file (its state_management block names the store)")
	dataDir := fs.String("data-dir", "", "data directory (default ./weir-data; the local backend keeps checkpoints there)")
	store := fs.String("store", "", "with backend_type hybrid, which checkpoints: s3 (the default) or local")
	// Flags may come before or after the checkpoint id.
	var pos []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	cfg, err := loadConfig(*configFile, *dataDir)
	if err != nil {
		return err
	}
	switch *store {
	case "":
	case "local", "s3":
		if cfg.State.BackendType != "hybrid" {
			return fmt.Errorf("checkpoint %s: -store is for backend_type hybrid; this configuration's is %s", sub, cfg.State.BackendType)
		}
		cfg.State.BackendType = *store
	default:
		return fmt.Errorf("checkpoint %s: -store %q: want local or s3", sub, *store)
	}
	ctx := context.Background()
	objects, err := weir.OpenCheckpointStore(ctx, cfg)
	if err != nil {
		return err
	}
	epochArg := func() (uint64, error) {
		if len(pos) != 1 {
			return 0, fmt.Errorf("checkpoint %s: want one checkpoint id (its epoch; see weir checkpoint list)", sub)
		}
		e, err := strconv.ParseUint(pos[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("checkpoint %s: %q is not a checkpoint id", sub, pos[0])
		}
		return e, nil
	}
	switch sub {
	case "list":
		epochs, err := statestore.ListCheckpoints(ctx, objects)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\tcreated\tfiles\tstate bytes")
		for _, e := range epochs {
			m, err := statestore.ReadManifest(ctx, objects, e)
			if err != nil {
				fmt.Fprintf(tw, "%d\tunreadable: %v\t\t\n", e, err)
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\n", e, m.Created.Format(time.RFC3339), len(m.Files), m.StateBytes())
		}
		return tw.Flush()
	case "inspect":
		e, err := epochArg()
		if err != nil {
			return err
		}
		m, err := statestore.ReadManifest(ctx, objects, e)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "checkpoint %d in %s\ncreated   %s\nrun       %s\nfiles     %d, %d bytes\n",
			m.Epoch, objects, m.Created.Format(time.RFC3339), m.Run, len(m.Files), m.StateBytes())
		var info weir.CheckpointInfo
		if json.Unmarshal(m.Info, &info) == nil {
			if len(info.Objects) > 0 {
				fmt.Fprintln(out, "objects:")
				for _, o := range info.Objects {
					fmt.Fprintf(out, "  %-20s %s", o.Kind, o.Name)
					if o.Pipeline != "" {
						fmt.Fprintf(out, "  (pipeline %s", o.Pipeline)
						if len(o.PipelineKeys) > 0 {
							fmt.Fprintf(out, ", custom_keys %s", strings.Join(o.PipelineKeys, ","))
						}
						fmt.Fprint(out, ")")
					}
					fmt.Fprintln(out)
				}
			}
			if len(info.Sources) > 0 {
				fmt.Fprintln(out, "source positions:")
				for _, src := range info.Sources {
					fmt.Fprintf(out, "  %-20s reads %-20s at %s\n", src.View, src.Stream, src.Position)
				}
			}
		}
		fmt.Fprintln(out, "files:")
		for _, f := range m.Files {
			fmt.Fprintf(out, "  %-24s %12d  crc32c %08x  %s\n", f.Name, f.Size, f.CRC32C, f.Object)
		}
		return nil
	case "verify":
		e, err := epochArg()
		if err != nil {
			return err
		}
		m, err := statestore.VerifyCheckpoint(ctx, objects, e)
		if err != nil {
			return fmt.Errorf("checkpoint %d does not verify: %w", e, err)
		}
		fmt.Fprintf(out, "checkpoint %d verifies: %d files, %d bytes\n", e, len(m.Files), m.StateBytes())
		return nil
	}
	return fmt.Errorf("checkpoint: unknown command %q (list, inspect ID, verify ID)", sub)
}

// loadConfig is the default configuration, or configFile's (a server
// config or a pipeline file), with dataDir when set.
func loadConfig(configFile, dataDir string) (weir.Config, error) {
	cfg := weir.DefaultConfig()
	switch {
	case configFile != "" && weir.IsPipelineFile(configFile):
		p, err := weir.LoadPipeline(configFile)
		if err != nil {
			return cfg, err
		}
		cfg = p.Config
	case configFile != "":
		var err error
		if cfg, err = weir.LoadConfig(configFile); err != nil {
			return cfg, err
		}
	}
	if dataDir != "" {
		cfg.Server.DataDir = dataDir
	}
	return cfg, nil
}
