export interface V2Runtime {}
