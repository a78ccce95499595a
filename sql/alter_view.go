package sql

// AlterViewResume is ALTER MATERIALIZED VIEW name RESUME: rebuild a view
// whose dataflow failed from the current contents of its input.
type AlterViewResume struct {
	Pos  Pos
	Name ObjectName
}

// Position returns where the statement starts.
func (s *AlterViewResume) Position() Pos { return s.Pos }

func (*AlterViewResume) statementNode() {}

// parseAlterView parses ALTER MATERIALIZED VIEW name RESUME, the ALTER
// key word being next.
func (p *parser) parseAlterView() (Statement, error) {
	t := p.next()
	if err := p.expectKw("materialized"); err != nil {
		return nil, err
	}
	if err := p.expectKw("view"); err != nil {
		return nil, err
	}
	name, err := p.parseObjectName()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("resume"); err != nil {
		return nil, err
	}
	return &AlterViewResume{Pos: Pos(t.pos), Name: name}, nil
}
