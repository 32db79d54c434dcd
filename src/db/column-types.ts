/** Column types shared by the table interfaces (the conversions are described in ./types.ts). */
import type { ColumnType } from 'kysely';

export type Decimal = ColumnType<string, string | number, string | number>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type IsoDate = ColumnType<string, string, string>;
