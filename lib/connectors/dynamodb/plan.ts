import { DescribeTableCommand, ResourceNotFoundException, TableDescription } from '@aws-sdk/client-dynamodb';
import type { PlanSide, SidePlan } from '../engine';
import { dynamoClient } from './client';

/**
 * A DynamoDB side fits when its table exists keyed by the spec's key: the first key field the
 * partition key, a second one the sort key. A missing target table comes with the CreateTable
 * that makes it (key types as the key's values are: S, N or B).
 */
export async function planDynamoSide(p: PlanSide): Promise<SidePlan> {
  const key = p.side === 'source' ? p.mapping.sourceKey : p.mapping.targetKey;
  const out: SidePlan = { blockers: [], indexes: [] };
  if (key.length > 2) {
    out.blockers.push(
      `${p.side} table ${p.name}: a DynamoDB table has a partition key and at most one sort key; the spec names ${key.length} key fields (${key.join(', ')})`,
    );
    return out;
  }
  let table: TableDescription | undefined;
  try {
    table = (await dynamoClient(p.conn).send(new DescribeTableCommand({ TableName: p.name }))).Table;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  if (!table) {
    out.blockers.push(`${p.side} table ${p.name} does not exist${p.side === 'target' ? `: create it, e.g. ${createTableCli(p.name, key)}` : ''}`);
    return out;
  }
  const schema = ['HASH', 'RANGE'].map((type) => table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName).filter((n): n is string => !!n);
  if (schema.join(',') !== key.join(','))
    out.blockers.push(
      `${p.side} table ${p.name} is keyed by (${schema.join(', ')}) but the spec's key is (${key.join(', ')}): partition key first, then the sort key`,
    );
  return out;
}

function createTableCli(table: string, key: string[]): string {
  const defs = key.map((k) => `AttributeName=${k},AttributeType=<S|N|B>`).join(' ');
  const schema = key.map((k, i) => `AttributeName=${k},KeyType=${i ? 'RANGE' : 'HASH'}`).join(' ');
  return `aws dynamodb create-table --table-name ${table} --attribute-definitions ${defs} --key-schema ${schema} --billing-mode PAY_PER_REQUEST`;
}
