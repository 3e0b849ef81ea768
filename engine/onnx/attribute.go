package onnx

import (
	"errors"
	"fmt"
)

// AttrType is the type of a node attribute (AttributeProto.AttributeType).
type AttrType int32

//go:generate go tool stringer -type=AttrType -linecomment

// The attribute types, numbered as in onnx.proto.
const (
	AttrUndefined     AttrType = iota // UNDEFINED
	AttrFloat                         // FLOAT
	AttrInt                           // INT
	AttrString                        // STRING
	AttrTensor                        // TENSOR
	AttrGraph                         // GRAPH
	AttrFloats                        // FLOATS
	AttrInts                          // INTS
	AttrStrings                       // STRINGS
	AttrTensors                       // TENSORS
	AttrGraphs                        // GRAPHS
	AttrSparseTensor                  // SPARSE_TENSOR
	AttrSparseTensors                 // SPARSE_TENSORS
	AttrTypeProto                     // TYPE_PROTO
	AttrTypeProtos                    // TYPE_PROTOS
)

// Attribute is a decoded AttributeProto. The value is in the member that
// matches Type; values of the types no supported operator takes (graphs,
// sparse tensors, type protos, lists of strings or tensors) are not kept,
// only their Type, so an operator that gets one can name it in its error.
type Attribute struct {
	Name   string
	Type   AttrType
	F      float32
	I      int64
	S      []byte
	T      *Tensor
	Floats []float32
	Ints   []int64
}

// AttributeProto field numbers (onnx.proto).
const (
	attrName          = 1
	attrF             = 2
	attrI             = 3
	attrS             = 4
	attrT             = 5
	attrG             = 6
	attrFloats        = 7
	attrInts          = 8
	attrStrings       = 9
	attrTensors       = 10
	attrGraphs        = 11
	attrTP            = 14
	attrTypeProtos    = 15
	attrType          = 20
	attrRefAttrName   = 21
	attrSparseTensor  = 22
	attrSparseTensors = 23
)

// seenTypes maps a value field to the type it implies, for files from before
// AttributeProto.type existed (IR version 1), where the type is implied by
// which field is set.
var seenTypes = map[int]AttrType{
	attrF: AttrFloat, attrI: AttrInt, attrS: AttrString, attrT: AttrTensor,
	attrG: AttrGraph, attrFloats: AttrFloats, attrInts: AttrInts,
	attrStrings: AttrStrings, attrTensors: AttrTensors, attrGraphs: AttrGraphs,
	attrTP: AttrTypeProto, attrTypeProtos: AttrTypeProtos,
	attrSparseTensor: AttrSparseTensor, attrSparseTensors: AttrSparseTensors,
}

func decodeAttribute(b []byte) (*Attribute, error) {
	a := &Attribute{}
	var implied AttrType
	err := eachField(b, func(f field) error {
		var err error
		if t, ok := seenTypes[int(f.num)]; ok {
			implied = t
		}
		switch f.num {
		case attrName:
			a.Name, err = f.str()
		case attrF:
			a.F, err = f.float32()
		case attrI:
			a.I, err = f.int64()
		case attrS:
			a.S, err = f.bytes()
		case attrT:
			if a.T != nil {
				return errDuplicate
			}
			var tb []byte
			if tb, err = f.bytes(); err == nil {
				a.T, err = decodeTensor(tb)
			}
		case attrFloats:
			a.Floats, err = appendFixed32s(a.Floats, f)
		case attrInts:
			a.Ints, err = appendVarints(a.Ints, f)
		case attrType:
			var t int32
			t, err = f.int32()
			a.Type = AttrType(t)
		case attrRefAttrName:
			err = errors.New("ref_attr_name is only valid inside a function")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	if a.Type == AttrUndefined {
		a.Type = implied
	}
	if a.Type < AttrFloat || a.Type > AttrTypeProtos {
		return nil, fmt.Errorf("attribute %q: unknown type %v", a.Name, a.Type)
	}
	return a, nil
}
