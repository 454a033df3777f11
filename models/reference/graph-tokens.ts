import type { TokenizerVocab } from './family-tokens.ts';

/** Token ids the GraphWalks circuit reads: the operation's words, the edge separator and every hex piece. */
export interface GraphTokenIds {
  node: number;
  with: number;
  arrow: number;
  parents: number;
  bfs: number;
  /** Pieces a hex node id can split into: digits, [a-f] runs and a lone space, with or without the leading Ġ. */
  hex: number[];
}

const HEX_PIECE = /^Ġ?[0-9a-f]*$/;

/** Looks the circuit's tokens up in a byte-level BPE vocabulary; throws if a word is not one token. */
export function graphTokenIds(tokenizer: TokenizerVocab): GraphTokenIds {
  const vocab = tokenizer.model.vocab;
  const one = (piece: string): number => {
    const id = vocab[piece];
    if (id === undefined) throw new Error(`GraphWalks circuit: "${piece}" is not a single token of this tokenizer`);
    return id;
  };
  const hex = Object.entries(vocab)
    .filter(([piece]) => piece !== '' && HEX_PIECE.test(piece))
    .map(([, id]) => id)
    .sort((a, b) => a - b);
  return { node: one('Ġnode'), with: one('Ġwith'), arrow: one('Ġ->'), parents: one('Ġparents'), bfs: one('ĠBFS'), hex };
}
