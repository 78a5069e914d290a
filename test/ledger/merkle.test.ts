/** RFC 6962 Merkle trees: the Certificate Transparency reference vectors, and every proof of every shape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { MerkleTree, leafHash, merkleRoot, nodeHash, verifyInclusion } from '../../src/ledger/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// Certificate Transparency's reference leaves and tree heads (RFC 6962 test data, as in
// google/certificate-transparency and transparency-dev/merkle).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** The recursive definition of RFC 6962 §2.1, as the oracle. */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return new Uint8Array(createHash('sha256').digest());
  if (d.length === 1) return leafHash(d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}

test('roots match the RFC 6962 reference tree heads for sizes 0..8', () => {
  for (let n = 0; n <= 8; n++) assert.equal(hex(merkleRoot(CT_LEAVES.slice(0, n))), CT_ROOTS[n], `size ${n}`);
});

test('inclusion proofs match the reference audit paths (leaf 0 and leaf 5 of 8)', () => {
  const tree = MerkleTree.fromLeaves(CT_LEAVES);
  assert.deepEqual(tree.proof(0).map(hex), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual(tree.proof(5).map(hex), [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
});

test('property: root equals the recursive definition, every proof verifies, a wrong leaf, index or root does not', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 70 }), (leaves) => {
      const tree = MerkleTree.fromLeaves(leaves);
      const root = tree.root();
      assert.equal(hex(root), hex(mth(leaves)));
      for (let i = 0; i < leaves.length; i++) {
        const proof = tree.proof(i);
        assert.ok(proof.length <= Math.ceil(Math.log2(leaves.length)));
        assert.ok(verifyInclusion(leafHash(leaves[i]!), i, leaves.length, proof, root), `leaf ${i}/${leaves.length}`);
        assert.equal(verifyInclusion(leafHash(Uint8Array.of(1, 2, 3, ...leaves[i]!)), i, leaves.length, proof, root), false);
        if (leaves.length > 1) assert.equal(verifyInclusion(leafHash(leaves[i]!), (i + 1) % leaves.length, leaves.length, proof, root), false);
        assert.equal(verifyInclusion(leafHash(leaves[i]!), i, leaves.length, proof, nodeHash(root, root)), false);
      }
    }),
    { numRuns: 60, seed: 8 },
  );
});

test('the last leaf is not duplicated: [a, b, c] and [a, b, c, c] have different roots', () => {
  const [a, b, c] = CT_LEAVES.slice(1, 4) as [Uint8Array, Uint8Array, Uint8Array];
  assert.notEqual(hex(merkleRoot([a, b, c])), hex(merkleRoot([a, b, c, c])));
});

test('a proof for an index outside the tree throws MG_ERR_LEDGER_PROOF_INVALID and verification of it is false', () => {
  const tree = MerkleTree.fromLeaves(CT_LEAVES);
  assert.throws(() => tree.proof(8), { code: 'MG_ERR_LEDGER_PROOF_INVALID' });
  assert.equal(verifyInclusion(leafHash(CT_LEAVES[0]!), 8, 8, tree.proof(7), tree.root()), false);
});
