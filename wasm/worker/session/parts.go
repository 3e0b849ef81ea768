package session

import (
	"maps"

	"convscope/engine"
)

// compilePart compiles shard opt.Shard of g, whose weights are views of
// the model file the session holds anyway (models.LoadBytes keeps int8
// weights in place). Compile would copy the part of each weight it splits
// (so that a helper can drop its file); here the part is handed over in
// Options.Shard.Parts as a view of the file wherever it is a run of whole
// rows (conv weights, fc weights stored (out, in)), so the engine worker
// of a split model holds no second copy of its share of the weights. g is
// not modified.
func compilePart(g *engine.Graph, opt engine.Options) (*engine.Program, error) {
	parts, err := engine.ShardParts(g, constInfos(g), opt)
	if err != nil {
		return nil, err
	}
	sg := *g
	sg.Consts = maps.Clone(g.Consts)
	for name, pt := range parts {
		if pt.Hi == pt.Lo {
			delete(sg.Consts, name) // this shard computes none of its channels
			continue
		}
		sg.Consts[name] = pt.Of(g.Consts[name], true)
	}
	opt.Shard.Parts = parts
	return engine.Compile(&sg, opt)
}

// constInfos describes g's constants for engine.ShardParts.
func constInfos(g *engine.Graph) map[string]engine.ConstInfo {
	infos := make(map[string]engine.ConstInfo, len(g.Consts))
	for name, c := range g.Consts {
		ci := engine.ConstInfo{Shape: c.Shape}
		if c.Int8 != nil {
			ci.Int8, ci.Axis = true, c.Int8.Axis
		}
		infos[name] = ci
	}
	return infos
}
