/** ONNX element types as plain numbers (TensorProto.data_type is an int32 field, compared as one). */
import { TensorProto_DataType as DT } from 'onnx-buf';

type ElemName =
  | 'FLOAT'
  | 'UINT8'
  | 'INT8'
  | 'UINT16'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'BOOL'
  | 'FLOAT16'
  | 'DOUBLE'
  | 'BFLOAT16'
  | 'FLOAT8E4M3FN'
  | 'FLOAT8E4M3FNUZ'
  | 'FLOAT8E5M2'
  | 'FLOAT8E5M2FNUZ'
  | 'UINT4'
  | 'INT4';

export const ELEM: Readonly<Record<ElemName, number>> = {
  FLOAT: DT.FLOAT,
  UINT8: DT.UINT8,
  INT8: DT.INT8,
  UINT16: DT.UINT16,
  INT16: DT.INT16,
  INT32: DT.INT32,
  INT64: DT.INT64,
  BOOL: DT.BOOL,
  FLOAT16: DT.FLOAT16,
  DOUBLE: DT.DOUBLE,
  BFLOAT16: DT.BFLOAT16,
  FLOAT8E4M3FN: DT.FLOAT8E4M3FN,
  FLOAT8E4M3FNUZ: DT.FLOAT8E4M3FNUZ,
  FLOAT8E5M2: DT.FLOAT8E5M2,
  FLOAT8E5M2FNUZ: DT.FLOAT8E5M2FNUZ,
  UINT4: DT.UINT4,
  INT4: DT.INT4,
};
