//! The demand log over SQL ([`DemandStore`]).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::model::demand::{Demand, NewDemand};
use crate::store::columns::strings;
use crate::store::{DemandStore, StoreError};

use super::{Arg, Backend, Conn, SqlDb, SqlRow, all, one, text};

fn demand_row<R: SqlRow>(row: &R) -> Result<Demand, StoreError> {
    let id = row.text("id")?;
    let invalid = |reason: String| StoreError::Invalid { id: format!("demand {id}"), reason };
    let referred = row.list("referred_to")?;
    let referred_to = match referred.as_array() {
        Some(items) if items.iter().all(Value::is_string) => strings(&referred),
        _ => return Err(invalid(format!("referred_to: not a list of ids: {referred}"))),
    };
    Demand::from_columns(
        id.clone(),
        &row.text("date")?,
        &row.text("need")?,
        &row.text("channel")?,
        &row.text("requester")?,
        row.text("area")?,
        (row.opt_float("lon")?, row.opt_float("lat")?),
        referred_to,
        row.text("created_at")?,
        row.text("created_by")?,
    )
    .map_err(invalid)
}

#[async_trait]
impl<DB: Backend> DemandStore for SqlDb<DB> {
    async fn log_demand(&self, d: &NewDemand, actor: &str) -> Result<Demand, StoreError> {
        let args = vec![
            text(&crate::model::demand::new_id()),
            Arg::Date(Some(d.date)),
            text(d.need.as_str()),
            text(d.channel.as_str()),
            text(d.requester.as_str()),
            text(&d.area),
            Arg::Float(d.point.map(|p| p[0])),
            Arg::Float(d.point.map(|p| p[1])),
            Arg::List(d.referred_to.clone()),
            text(actor),
            Arg::Time(Some(d.logged_at)),
        ];
        let row = self.connection().await?.optional(&DB::statements().demand_insert, args).await?;
        demand_row(&row.ok_or(StoreError::Database(sqlx::Error::RowNotFound))?)
    }

    async fn demand(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Demand>, StoreError> {
        let args = vec![Arg::Date(from), Arg::Date(to)];
        all(&mut *self.connection().await?, &DB::statements().demand_range, args, demand_row).await
    }

    async fn demand_record(&self, id: &str) -> Result<Option<Demand>, StoreError> {
        one(&mut *self.connection().await?, &DB::statements().demand_one, vec![text(id)], demand_row).await
    }

    async fn demand_by(&self, actor: &str, since: DateTime<Utc>) -> Result<Vec<Demand>, StoreError> {
        let args = vec![text(actor), Arg::Time(Some(since))];
        all(&mut *self.connection().await?, &DB::statements().demand_by, args, demand_row).await
    }

    async fn withdraw_demand(&self, id: &str, actor: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let args = vec![text(id), text(actor), Arg::Time(Some(since))];
        Ok(self.connection().await?.execute(&DB::statements().demand_withdraw, args).await? == 1)
    }
}
