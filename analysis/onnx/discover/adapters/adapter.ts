/** Per-family naming knowledge: how to recognise the family and read a layer index out of a node name. */
export interface FamilyAdapter {
  family: string;
  /** True when the graph's node names look like this family's export. */
  detect(names: readonly string[]): boolean;
  /** Layer index encoded in a node name, or null. Only a hint: graph order decides when hints disagree. */
  layerOf(name: string): number | null;
}

/** `layers.12`, `layers/12`, `layers_12` as written by torch.onnx, optimum and the onnxruntime-genai builder. */
export function layersIndex(name: string): number | null {
  const m = /layers?[._/](\d+)(?:[._/]|$)/.exec(name);
  return m ? Number(m[1]) : null;
}
